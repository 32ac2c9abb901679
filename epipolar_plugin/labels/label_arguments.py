"""The command line of :class:`.label_options.LabelOptions`: one flag per field and back.

Above both the options and the registry of label modes (``--mode`` offers the registered modes).
"""
import argparse

from .label_modes import LABEL_MODES
from .label_options import _GROUPS, FLAT_FIELDS, LabelOptions


def add_label_arguments(parser: argparse.ArgumentParser) -> None:
    """One flag per option field (``--ransac-threshold``; booleans ``--refine/--no-refine``),
    in one argument group per concern; defaults are None so that only given flags count."""
    groups = {None: parser.add_argument_group('labels')}
    for name, group_type in _GROUPS.items():
        groups[name] = parser.add_argument_group(name, (group_type.__doc__ or '').split('\n')[0])
    for name, (group, option) in FLAT_FIELDS.items():
        if not option.metadata.get('cli', True):
            continue
        flag = '--' + name.replace('_', '-')
        default = option.default
        help_text = f"{option.metadata['help']} (default: {default})"
        kwargs = dict(default=None, help=help_text)
        if name == 'mode':
            kwargs['choices'] = list(LABEL_MODES)
            kwargs['help'] = help_text + ': ' + '; '.join(
                f'{mode}: {entry.description}' for mode, entry in LABEL_MODES.items())
        elif isinstance(default, bool):
            kwargs['action'] = argparse.BooleanOptionalAction
        else:
            kwargs['type'] = {int: int, float: float, str: str}.get(type(default), float)
            if 'choices' in option.metadata:
                kwargs['choices'] = option.metadata['choices']
        groups[group].add_argument(flag, **kwargs)


def options_from_args(args: argparse.Namespace, **overrides) -> LabelOptions:
    """The :class:`LabelOptions` of parsed flags (those not given keep their defaults)."""
    given = {name: getattr(args, name) for name in FLAT_FIELDS
             if getattr(args, name, None) is not None}
    return LabelOptions.from_flat(**dict(given, **overrides))
