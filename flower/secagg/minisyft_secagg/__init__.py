"""minisyft's Flower app in the legacy API: FedAvg, with or without SecAgg+."""
