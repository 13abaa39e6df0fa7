package stages

import (
	"slices"
	"sync"

	"github.com/aws/aws-cdk-go/awscdk/v2/regioninfo"
)

// knownRegions are the AWS regions aws-cdk-lib knows (its region-info
// facts): a region outside it is a typo or one this aws-cdk-lib release
// cannot deploy to with the right partition, endpoints and principals.
var knownRegions = sync.OnceValue(func() []string {
	var names []string
	for _, r := range *regioninfo.RegionInfo_Regions() {
		names = append(names, *r.Name())
	}
	return names
})

// knownRegion reports whether aws-cdk-lib knows region.
func knownRegion(region string) bool { return slices.Contains(knownRegions(), region) }
