package assembly

import "testing"

func TestResolve(t *testing.T) {
	for _, c := range []struct {
		in   interface{}
		want string
	}{
		{"plain", "plain"},
		{map[string]interface{}{"Ref": "Bucket"}, "<Bucket>"},
		{map[string]interface{}{"Fn::GetAtt": []interface{}{"Role", "Arn"}}, "<Role.Arn>"},
		{map[string]interface{}{"Fn::Join": []interface{}{"-", []interface{}{"a", map[string]interface{}{"Ref": "AWS::Region"}}}}, "a-<AWS::Region>"},
		{map[string]interface{}{"Fn::Sub": "${AWS::Region},repo-${AWS::AccountId},${Role.Arn},${!Literal}"}, "<AWS::Region>,repo-<AWS::AccountId>,<Role.Arn>,${!Literal}"},
	} {
		if got := Resolve(c.in); got != c.want {
			t.Errorf("Resolve(%v) = %q, want %q", c.in, got, c.want)
		}
	}
}
