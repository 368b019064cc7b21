"""Pieces of the template (template/Miniproject_2) that the teams' edits replace, and a Git LFS pointer."""

B = "others/blocks.py"
M = "model.py"
CONV_OUT = ("        out = self.weight.view(self.out_channels, -1).matmul(self.cols) + self.bias.view(1, -1, 1)\n"
            "        return out.view(n, self.out_channels, h_out, w_out)\n")
CONV_WEIGHT_GRAD = ("        self.weight_grad += grad.matmul(self.cols.transpose(1, 2)).sum(0).view(self.weight.shape)\n"
                    "        if self.use_bias:\n"
                    "            self.bias_grad += grad.sum((0, 2))\n")
CONV_PARAM = "        return [(self.weight, self.weight_grad), (self.bias, self.bias_grad)]\n"
PREDICT = ("        x = test_input.to(self.device).float() / 255\n"
           "        return (self.net.forward(x) * 255).to(test_input.device)\n")
LOAD = ("        path = Path(__file__).parent / \"bestmodel.pth\"\n"
        "        weights = torch.load(path, map_location=self.device)\n")
TRAIN_LOOP = ("        for epoch in range(num_epochs):\n"
              "            order = empty(n).uniform_().argsort()\n")
IMPORTS = ("try:\n"
           "    from .others.blocks import MSE, SGD, Conv2d, Module, NearestUpsampling, ReLU, Sequential, Sigmoid\n"
           "except ImportError:  # when model.py is imported on its own (from model import ...)\n"
           "    from others.blocks import MSE, SGD, Conv2d, Module, NearestUpsampling, ReLU, Sequential, Sigmoid\n")
LFS_POINTER = ("version https://git-lfs.github.com/spec/v1\n"
               "oid sha256:4d7a2146c1a9b1e0f83cf7c2d2a3e1b9f6e0d6c5b4a39281706f5e4d3c2b1a09\n"
               "size 115263\n")
