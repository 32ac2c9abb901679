"""The package's layers: multi-view geometry at the bottom, the labelling pipeline on it, the
MMPose components and tools on that; no module imports one that imports it back."""
import ast
import os.path as osp
from glob import glob

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
PACKAGE = osp.join(ROOT, 'epipolar_plugin')


def module_name(path: str) -> str:
    relative = osp.relpath(path, ROOT)[:-3].replace(osp.sep, '.')
    return relative[:-len('.__init__')] if relative.endswith('.__init__') else relative


def imports(path: str) -> set:
    """The package's modules that ``path`` imports anywhere (function bodies too)."""
    name = module_name(path)
    package = name.split('.') if path.endswith('__init__.py') else name.split('.')[:-1]
    found = set()
    for node in ast.walk(ast.parse(open(path).read())):
        if isinstance(node, ast.ImportFrom):
            base = package[:len(package) - node.level + 1] if node.level else []
            target = '.'.join(base + ([node.module] if node.module else []))
            for alias in node.names:
                candidate = f'{target}.{alias.name}'
                found.add(candidate if osp.isfile(_path(candidate)) or osp.isdir(
                    _path(candidate)[:-3]) else target)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {m for m in found if m.startswith('epipolar_plugin')}


def _path(module: str) -> str:
    return osp.join(ROOT, *module.split('.')) + '.py'


MODULES = {module_name(p): imports(p) for p in glob(osp.join(PACKAGE, '**', '*.py'),
                                                     recursive=True)}


def test_both_layers_are_read():
    assert {'epipolar_plugin.geometry.relative_pose', 'epipolar_plugin.labels.pseudo_labels',
            'epipolar_plugin.labels.label_options'} <= set(MODULES)


def test_geometry_imports_nothing_above_it():
    for module, imported in MODULES.items():
        if module.startswith('epipolar_plugin.geometry'):
            above = {m for m in imported if not m.startswith('epipolar_plugin.geometry')}
            assert not above, f'{module} imports {sorted(above)}'


def test_the_labelling_pipeline_imports_only_geometry_below_it():
    for module, imported in MODULES.items():
        if module.startswith('epipolar_plugin.labels'):
            outside = {m for m in imported if not m.startswith(('epipolar_plugin.geometry',
                                                                 'epipolar_plugin.labels'))}
            assert not outside, f'{module} imports {sorted(outside)}'


def test_no_module_imports_itself_back():
    """No cycle among the modules (packages' __init__ files, which gather their modules'
    names, left out: they are not imported by their own modules)."""
    graph = {m: {i for i in imported if i in MODULES and not _is_package(i)}
             for m, imported in MODULES.items() if not _is_package(m)}
    state = {}

    def visit(module, path):
        state[module] = 'open'
        for child in graph.get(module, ()):
            assert state.get(child) != 'open', 'import cycle: ' + ' -> '.join(path + [child])
            if child not in state:
                visit(child, path + [child])
        state[module] = 'done'

    for module in graph:
        if module not in state:
            visit(module, [module])


def _is_package(module: str) -> bool:
    return osp.isfile(osp.join(ROOT, *module.split('.'), '__init__.py'))
