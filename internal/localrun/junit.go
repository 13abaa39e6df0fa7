package localrun

import (
	"encoding/xml"
	"fmt"
	"os"
	"path/filepath"
)

// testCounts sums JUnit XML reports.
type testCounts struct {
	Files, Tests, Failed, Skipped int
}

func (c testCounts) String() string {
	if c.Files == 0 {
		return ""
	}
	return fmt.Sprintf("%d tests, %d failed, %d skipped (%d JUnit report(s))", c.Tests, c.Failed, c.Skipped, c.Files)
}

type junitSuite struct {
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

// readJUnit adds the report at path to c. A report that is not JUnit XML
// is an error: CodeBuild would refuse it.
func (c *testCounts) readJUnit(path string) error {
	raw, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var root junitSuite
	if err := xml.Unmarshal(raw, &root); err != nil {
		return fmt.Errorf("%s is not JUnit XML: %w", filepath.Base(path), err)
	}
	c.Files++
	var add func(s junitSuite, top bool)
	add = func(s junitSuite, top bool) {
		if len(s.Suites) > 0 {
			for _, child := range s.Suites {
				add(child, false)
			}
			return
		}
		c.Tests += s.Tests
		c.Failed += s.Failures + s.Errors
		c.Skipped += s.Skipped
	}
	add(root, true)
	return nil
}
