package pipeline_test

import (
	"testing"

	"github.com/velocity-cdk/velocity/internal/cdktest"
)

func TestMain(m *testing.M) { cdktest.Main(m) }
