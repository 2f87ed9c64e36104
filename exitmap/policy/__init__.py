"""Policy rules (data/policy/*.toml) and the date arithmetic the deadlines need."""

from exitmap.policy.catalog import Suggestion, disagrees, suggest
from exitmap.policy.dates import add_months, as_deadline, end_of_month
from exitmap.policy.rules import Policy, PolicyError, default_policy, load_policy

__all__ = [
    "Policy",
    "PolicyError",
    "Suggestion",
    "add_months",
    "as_deadline",
    "default_policy",
    "disagrees",
    "end_of_month",
    "load_policy",
    "suggest",
]
