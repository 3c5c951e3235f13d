"""The rule catalogue: rule YAML load and validation, the ruleset, the parsed-rules cache."""
