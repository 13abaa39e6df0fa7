package security

import (
	"errors"
	"fmt"
)

// SBOM summarizes a CycloneDX JSON software bill of materials.
type SBOM struct {
	// SpecVersion is the CycloneDX version, e.g. "1.6".
	SpecVersion string
	// Subject is the name of the component the SBOM describes.
	Subject string
	// Components is the number of components (dependencies) listed.
	Components int
}

// ParseCycloneDX checks that data is a CycloneDX JSON SBOM and summarizes
// it.
func ParseCycloneDX(data []byte) (SBOM, error) {
	type component struct {
		Name       string      `json:"name"`
		Components []component `json:"components"`
	}
	var bom struct {
		BOMFormat   string `json:"bomFormat"`
		SpecVersion string `json:"specVersion"`
		Metadata    *struct {
			Component *component `json:"component"`
		} `json:"metadata"`
		Components []component `json:"components"`
	}
	if err := decodeStrict(data, &bom, strictOptions{}); err != nil {
		return SBOM{}, fmt.Errorf("SBOM: %w", err)
	}
	if bom.BOMFormat != "CycloneDX" {
		return SBOM{}, errors.New(`SBOM: bomFormat is not "CycloneDX"`)
	}
	var count func([]component) int
	count = func(cs []component) int {
		n := len(cs)
		for _, c := range cs {
			n += count(c.Components)
		}
		return n
	}
	s := SBOM{SpecVersion: bom.SpecVersion, Components: count(bom.Components)}
	if bom.Metadata != nil && bom.Metadata.Component != nil {
		s.Subject = bom.Metadata.Component.Name
	}
	return s, nil
}

// String renders the summary for the build log.
func (s SBOM) String() string {
	subject := s.Subject
	if subject == "" {
		subject = "(unnamed)"
	}
	return fmt.Sprintf("CycloneDX %s SBOM of %s: %d components", s.SpecVersion, subject, s.Components)
}
