"""Counterfactual experiments: plans of tasks, the results store, backends and analyses."""
