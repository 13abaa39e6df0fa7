package analysis

import (
	"math"
	"sort"
)

// UTest is the result of a one-sided Mann-Whitney U test of whether the
// values of after tend to be greater than those of before.
type UTest struct {
	// U is the statistic of after: how many of the pairs (b, a) have a > b,
	// ties counting one half. It ranges from 0 to len(before)*len(after).
	U float64
	// Z is U standardized under the null hypothesis (no difference), with
	// the tie and continuity corrections.
	Z float64
	// P is the one-sided p-value: the probability, with no difference, of
	// a U at least this large. 1 when every value is tied.
	P float64
}

// MannWhitneyGreater tests whether after is stochastically greater than
// before. Both must be non-empty.
func MannWhitneyGreater(before, after []float64) UTest {
	n1, n2 := float64(len(before)), float64(len(after))
	type obs struct {
		v     float64
		after bool
	}
	all := make([]obs, 0, len(before)+len(after))
	for _, v := range before {
		all = append(all, obs{v, false})
	}
	for _, v := range after {
		all = append(all, obs{v, true})
	}
	sort.Slice(all, func(i, j int) bool { return all[i].v < all[j].v })

	// Ranks from 1, ties sharing their mean rank; tieTerm is the sum of
	// t^3 - t over the groups of t tied values.
	var rankSumAfter, tieTerm float64
	for i := 0; i < len(all); {
		j := i
		for j < len(all) && all[j].v == all[i].v {
			j++
		}
		mean := float64(i+1+j) / 2
		for k := i; k < j; k++ {
			if all[k].after {
				rankSumAfter += mean
			}
		}
		t := float64(j - i)
		tieTerm += t*t*t - t
		i = j
	}
	u := rankSumAfter - n2*(n2+1)/2
	n := n1 + n2
	mean := n1 * n2 / 2
	variance := n1 * n2 / 12 * ((n + 1) - tieTerm/(n*(n-1)))
	if variance <= 0 {
		return UTest{U: u, P: 1}
	}
	// Continuity correction: U moves in steps of one half.
	z := (u - mean - 0.5) / math.Sqrt(variance)
	return UTest{U: u, Z: z, P: 0.5 * math.Erfc(z/math.Sqrt2)}
}
