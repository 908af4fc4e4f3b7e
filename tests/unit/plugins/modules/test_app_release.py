from __future__ import annotations

import io
import os
import tarfile

import pytest

from ansible_collections.hastack.platform.plugins.modules import app_release, app_release_info
from ansible_collections.hastack.platform.tests.unit.plugins.modules.utils import ExitJson, FailJson, run_module


def build(tmp_path, version):
    """A real archive on the 'managed host', as the role's copy step leaves it."""
    path = tmp_path / 'demo' / 'artifacts' / ('%s.tar.gz' % version)
    path.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(str(path), 'w:gz') as tar:
        data = ('release %s\n' % version).encode()
        info = tarfile.TarInfo('demo-%s/VERSION' % version)
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    return str(path)


def run(monkeypatch, args, outcome=ExitJson):
    with pytest.raises(outcome) as caught:
        run_module(monkeypatch, app_release, args)
    return caught.value.args[0]


def deploy(monkeypatch, tmp_path, version, **extra):
    args = dict(path=str(tmp_path / 'demo'), version=version, src=build(tmp_path, version), strip_components=1)
    args.update(extra)
    return run(monkeypatch, args)


def test_deploys_then_changes_nothing_on_a_rerun(monkeypatch, tmp_path):
    first = deploy(monkeypatch, tmp_path, '1.0')
    assert first['changed'] and first['installed'] and first['switched'] and first['current'] == '1.0'
    with open(str(tmp_path / 'demo' / 'current' / 'VERSION')) as handle:
        assert handle.read() == 'release 1.0\n'
    args = dict(path=str(tmp_path / 'demo'), version='1.0', src=str(tmp_path / 'demo' / 'artifacts' / '1.0.tar.gz'),
                strip_components=1)
    again = run(monkeypatch, args)
    assert again['changed'] is False and again['history'] == ['1.0'] and again['removed'] == []
    assert [r['version'] for r in again['releases']] == ['1.0']


def test_diff_shows_the_current_version(monkeypatch, tmp_path):
    deploy(monkeypatch, tmp_path, '1.0')
    result = deploy(monkeypatch, tmp_path, '1.1', _ansible_diff=True)
    assert result['diff'] == dict(before=dict(current='1.0'), after=dict(current='1.1'))
    assert result['previous'] == '1.0'
    assert 'diff' not in deploy(monkeypatch, tmp_path, '1.1')


def test_check_mode_changes_no_file(monkeypatch, tmp_path):
    deploy(monkeypatch, tmp_path, '1.0')
    before = sorted(os.walk(str(tmp_path)))
    result = run(monkeypatch, dict(path=str(tmp_path / 'demo'), version='2.0', src='/nowhere/2.0.tar.gz',
                                   _ansible_check_mode=True, _ansible_diff=True))
    assert result['changed'] and result['current'] == '2.0' and result['history'] == ['1.0', '2.0']
    assert result['diff']['after'] == dict(current='2.0')
    assert sorted(os.walk(str(tmp_path))) == before


def test_rollback_and_info(monkeypatch, tmp_path):
    deploy(monkeypatch, tmp_path, '1.0')
    deploy(monkeypatch, tmp_path, '1.1')
    result = run(monkeypatch, dict(path=str(tmp_path / 'demo'), state='rolled_back'))
    assert result['changed'] and result['current'] == '1.0' and result['removed'] == []
    assert os.path.exists(str(tmp_path / 'demo' / 'artifacts' / '1.1.tar.gz'))  # kept until the next switch
    with pytest.raises(ExitJson) as caught:
        run_module(monkeypatch, app_release_info, dict(path=str(tmp_path / 'demo')))
    info = caught.value.args[0]
    assert info['changed'] is False and info['current'] == '1.0' and info['history'] == ['1.0']
    failed = run(monkeypatch, dict(path=str(tmp_path / 'demo'), state='rolled_back'), FailJson)
    assert failed['msg'].startswith('no earlier release of this app to roll back to on this host')


@pytest.mark.parametrize('args, message', [
    (dict(state='current'), 'state is current but all of the following are missing: version'),
    (dict(state='present', version='../1.0'), 'must match'),
    (dict(state='rolled_back', keep=1), 'keep must be at least 2'),
    (dict(version='1.0'), 'give src'),
])
def test_bad_requests_fail_with_the_reason(monkeypatch, tmp_path, args, message):
    failed = run(monkeypatch, dict(args, path=str(tmp_path / 'demo')), FailJson)
    assert message in failed['msg']


def package(tmp_path, name, version, arch='all'):
    """A Debian package, laid out as dpkg-deb does (see test_deb_package)."""
    from ansible_collections.hastack.platform.tests.unit.plugins.module_utils.test_deb_package import CONTROL, deb
    control = CONTROL.replace('Package: demo', 'Package: ' + name).replace('Version: 2.0.0', 'Version: ' + version)
    path = tmp_path / 'demo' / 'artifacts'
    path.mkdir(parents=True, exist_ok=True)
    return deb(path, control=control.replace('Architecture: all', 'Architecture: ' + arch), name=version + '.artifact')


def dpkg_answers(monkeypatch, native='amd64', foreign=''):
    calls = []

    def run_command(self, args, **kwargs):
        calls.append(args)
        return 0, {'--print-architecture': native + '\n', '--print-foreign-architectures': foreign}[args[1]], ''
    monkeypatch.setattr(app_release.AnsibleModule, 'run_command', run_command)
    return calls


def test_a_package_is_kept_whole_as_its_release_and_switched_to(monkeypatch, tmp_path):
    calls = dpkg_answers(monkeypatch)
    for version in ('1.0', '2.0'):
        result = run(monkeypatch, dict(path=str(tmp_path / 'demo'), version=version, package='shop',
                                       src=package(tmp_path, 'shop', version)))
    assert result['current'] == '2.0' and result['previous'] == '1.0' and result['installed']
    assert [(r['version'], r['package']) for r in result['releases']] == [('1.0', 'shop'), ('2.0', 'shop')]
    kept = tmp_path / 'demo' / 'current' / 'shop.deb'
    with open(str(kept), 'rb') as handle, open(str(tmp_path / 'demo' / 'artifacts' / '2.0.artifact'), 'rb') as src:
        assert handle.read() == src.read()
    assert oct(os.stat(str(kept)).st_mode & 0o777) == '0o644'
    assert calls[:2] == [['dpkg', '--print-architecture'], ['dpkg', '--print-foreign-architectures']]


@pytest.mark.parametrize('name, version, arch, words', [
    ('shop', '2.0', 'all', "package 'shop', not 'demo'"),
    ('demo', '2.0.1', 'all', "version is '2.0.1', not '2.0'"),
    ('demo', '2.0', 'arm64', 'built for arm64, not for amd64 or i386'),
])
def test_a_package_of_another_name_version_or_architecture_is_refused_writing_nothing(
        monkeypatch, tmp_path, name, version, arch, words):
    dpkg_answers(monkeypatch, foreign='i386\n')
    src = package(tmp_path, name, version, arch)
    for check_mode in (True, False):
        failed = run(monkeypatch, dict(path=str(tmp_path / 'demo'), version='2.0', package='demo', src=src,
                                       _ansible_check_mode=check_mode), outcome=FailJson)
        assert words in failed['msg'] and 'refused as release 2.0 of demo' in failed['msg']
        assert not os.path.exists(str(tmp_path / 'demo' / 'releases'))


def test_a_tarball_given_as_a_package_is_refused(monkeypatch, tmp_path):
    dpkg_answers(monkeypatch)
    failed = run(monkeypatch, dict(path=str(tmp_path / 'demo'), version='1.0', package='demo',
                                   src=build(tmp_path, '1.0')), outcome=FailJson)
    assert 'not a Debian package' in failed['msg']


def test_a_tarball_release_records_no_package(monkeypatch, tmp_path):
    """The role installs a release's package only when its metadata names one: a tarball shipping a .deb is not."""
    result = deploy(monkeypatch, tmp_path, '1.0')
    assert [(r['version'], r['package']) for r in result['releases']] == [('1.0', None)]


def extra(tmp_path, name, version, arch='all'):
    """Another package of the release, copied beside the first as the role does."""
    path = package(tmp_path, name, version, arch)
    moved = path.replace(version + '.artifact', '%s.%s.artifact' % (version, name))
    os.rename(path, moved)
    return moved


def test_extra_packages_are_kept_beside_the_release_package(monkeypatch, tmp_path):
    dpkg_answers(monkeypatch)
    extras = {'shop-notifier': extra(tmp_path, 'shop-notifier', '1.0'), 'shop-jobs': extra(tmp_path, 'shop-jobs', '1.0')}
    args = dict(path=str(tmp_path / 'demo'), version='1.0', package='shop', src=package(tmp_path, 'shop', '1.0'),
                extra_packages=extras)
    result = run(monkeypatch, args)
    assert result['installed'] and result['current'] == '1.0'
    assert [(r['package'], r['extra_packages']) for r in result['releases']] == [('shop', ['shop-jobs', 'shop-notifier'])]
    assert sorted(os.listdir(str(tmp_path / 'demo' / 'current'))) == [
        '.hastack-release.json', 'shop-jobs.deb', 'shop-notifier.deb', 'shop.deb']
    assert run(monkeypatch, args)['changed'] is False
    # A switch by version alone (no src) needs no extra package.
    assert run(monkeypatch, dict(path=str(tmp_path / 'demo'), version='1.0'))['changed'] is False


@pytest.mark.parametrize('change, words', [
    ('rebuilt', 'already installed with the extra packages'),
    ('left out', 'already installed with the extra packages'),
])
def test_an_installed_release_keeps_its_extra_packages(monkeypatch, tmp_path, change, words):
    dpkg_answers(monkeypatch)
    notifier = extra(tmp_path, 'shop-notifier', '1.0')
    src = package(tmp_path, 'shop', '1.0')
    base = dict(path=str(tmp_path / 'demo'), version='1.0', package='shop', src=src)
    run(monkeypatch, dict(base, extra_packages={'shop-notifier': notifier}))
    if change == 'rebuilt':
        with open(notifier, 'ab') as handle:
            handle.write(b'\n')  # another file, the same name and version
        again = dict(base, extra_packages={'shop-notifier': notifier})
    else:
        again = base
    assert words in run(monkeypatch, again, outcome=FailJson)['msg']


@pytest.mark.parametrize('extras, words', [
    ([('shop-jobs', '1.1')], "version is '1.1', not '1.0'"),
    ([('shop', '1.0')], "is the release's own package"),
])
def test_bad_extra_packages_are_refused_writing_nothing(monkeypatch, tmp_path, extras, words):
    dpkg_answers(monkeypatch)
    given = {name: extra(tmp_path, name, version) for name, version in extras}
    src = package(tmp_path, 'shop', '1.0')  # after the extras: package() writes <version>.artifact
    failed = run(monkeypatch, dict(path=str(tmp_path / 'demo'), version='1.0', package='shop', src=src,
                                   extra_packages=given), outcome=FailJson)
    assert words in failed['msg']
    assert not os.path.exists(str(tmp_path / 'demo' / 'releases'))


def test_extra_packages_need_a_package_release(monkeypatch, tmp_path):
    failed = run(monkeypatch, dict(path=str(tmp_path / 'demo'), version='1.0', src=build(tmp_path, '1.0'),
                                   strip_components=1, extra_packages={'x': '/nowhere.deb'}),
                 outcome=FailJson)
    assert 'extra packages come with a package release only' in failed['msg']
