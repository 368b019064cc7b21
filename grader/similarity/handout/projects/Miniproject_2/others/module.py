"""Template: the base block the handout suggests (every team may write it the same way).

The handout gives its three methods and what they take and return; code
matching this file is not counted as shared between teams.
"""


class Module(object):
    def forward(self, *input):
        raise NotImplementedError

    def backward(self, *gradwrtoutput):
        raise NotImplementedError

    def param(self):
        return []
