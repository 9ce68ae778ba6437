"""minisyft's Flower app: FedAvg over minisyft clients."""
