"""Parts of the mini-project 1 reference: the network, the training batches, the test-time ensemble."""
