package stages

import (
	"slices"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/regioninfo"
)

// knownRegions is aws-cdk-lib's list, written out; after an aws-cdk-lib
// upgrade this test says which regions to add or remove.
func TestKnownRegionsAreAwsCdkLibs(t *testing.T) {
	var names []string
	for _, r := range *regioninfo.RegionInfo_Regions() {
		names = append(names, *r.Name())
	}
	slices.Sort(names)
	if !slices.Equal(names, knownRegions) {
		t.Errorf("knownRegions differ from aws-cdk-lib's regions:\nhave %q\nwant %q", knownRegions, names)
	}
}
