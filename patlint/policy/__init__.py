"""Policy checks: the code behind policy rules. Registries are explicit dicts."""

from __future__ import annotations

from typing import Any

# check name -> check object (see patlint.policy.base.PolicyCheck); filled by the policy modules.
CHECKS: dict[str, Any] = {}
