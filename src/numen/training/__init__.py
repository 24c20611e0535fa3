"""The fit/evaluate/predict loops, compile-time loss/metric plumbing and data handling."""
