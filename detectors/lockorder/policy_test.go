// Copyright 2026 The drace Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package lockorder

import (
	"testing"

	"drace/detectors/internal/policytest"
)

func TestPolicy(t *testing.T) { policytest.Run(t, Policy) }
