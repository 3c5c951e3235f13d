"""Rule loading, rulesets and the pipeline that wires the stages together."""
