"""Building student objects whose constructors the handout did not fix.

For TransposeConv2d and Conv2d the handout says "torch's arguments"; for the
upsampling combination and SGD it does not, so the judge reads the
constructor's signature in the worker, maps parameter names to concepts
through common synonyms, and falls back to a few usual positional orders.
The caller verifies what got built (weight shapes, output shapes).
"""

from __future__ import annotations

SYNONYMS: dict[str, tuple[str, ...]] = {
    "in_channels": (
        "in_channels",
        "in_channel",
        "in_ch",
        "in_chan",
        "ch_in",
        "cin",
        "c_in",
        "input_channels",
        "in_c",
        "n_in",
        "in_planes",
        "channels_in",
        "nb_in",
        "in_features",
        "inchannels",
        "in_dim",
    ),
    "out_channels": (
        "out_channels",
        "out_channel",
        "out_ch",
        "out_chan",
        "ch_out",
        "cout",
        "c_out",
        "output_channels",
        "out_c",
        "n_out",
        "out_planes",
        "channels_out",
        "nb_out",
        "out_features",
        "outchannels",
        "out_dim",
    ),
    "kernel_size": ("kernel_size", "kernel", "k", "ksize", "kernel_sz", "filter_size", "k_size", "kernelsize"),
    "scale_factor": (
        "scale_factor",
        "scale",
        "factor",
        "upscale",
        "upscale_factor",
        "upsampling_factor",
        "up_factor",
        "s",
        "size_factor",
        "upsample_factor",
        "scalefactor",
    ),
    "stride": ("stride", "strides"),
    "dilation": ("dilation", "dilations", "dil"),
    "padding": ("padding", "pad", "p", "paddings"),
    "params": ("params", "parameters", "param", "model", "module", "modules", "net", "network", "model_params"),
    "lr": ("lr", "learning_rate", "eta", "step_size", "alpha", "lr_rate", "learningrate", "rate"),
    "momentum": ("momentum", "mu", "beta"),
}


def concept_of(name: str) -> str | None:
    lowered = name.lower()
    return next((c for c, names in SYNONYMS.items() if lowered in names), None)


def forms_for(signature: list[dict] | None, values: dict, positional_orders: list[tuple[str, ...]]) -> list[dict]:
    """Candidate call forms ({'name', 'args', 'kwargs'}) for `values` (concept -> value).

    First a keyword form from the signature (when every required parameter maps
    to a concept we have), then each positional order whose concepts we have.
    """
    forms = []
    if signature:
        params = [p for p in signature if p["kind"] in ("POSITIONAL_OR_KEYWORD", "KEYWORD_ONLY")]
        kwargs, complete = {}, True
        for p in params:
            concept = concept_of(p["name"])
            if concept in values:
                kwargs[p["name"]] = values[concept]
            elif not p["has_default"]:
                complete = False
        if complete and kwargs:
            forms.append({"name": "keywords(" + ", ".join(kwargs) + ")", "args": [], "kwargs": kwargs})
    for order in positional_orders:
        if all(c in values for c in order):
            forms.append(
                {"name": "positional(" + ", ".join(order) + ")", "args": [values[c] for c in order], "kwargs": {}}
            )
    return forms
