from __future__ import annotations

import hashlib
import io
import json
import os
import tarfile

import pytest

from ansible_collections.hastack.platform.plugins.module_utils.app_release import (
    NO_EARLIER, ReleaseError, ReleaseStore,
)


def member(name, data=None, kind=tarfile.REGTYPE, linkname='', mode=0o664):
    info = tarfile.TarInfo(name)
    info.type, info.linkname, info.mode = kind, linkname, mode
    info.uid, info.gid, info.uname, info.gname = 4242, 4242, 'builder', 'builder'
    if data is not None:
        info.size = len(data)
    return info, (io.BytesIO(data) if data is not None else None)


def archive(tmp_path, name, members):
    """A real .tar.gz from (TarInfo, fileobj) pairs or {path: text}."""
    if isinstance(members, dict):
        members = [member(path, text.encode()) for path, text in members.items()]
    path = tmp_path / 'src' / name
    path.parent.mkdir(exist_ok=True)
    with tarfile.open(str(path), 'w:gz') as tar:
        for info, fileobj in members:
            tar.addfile(info, fileobj)
    return str(path)


def app(tmp_path, text):
    # Built once per test: gzip stamps the time, so a rebuilt archive is a different artifact.
    path = tmp_path / 'src' / ('app-%s.tar.gz' % text)
    return str(path) if path.exists() else archive(tmp_path, path.name, {'app/bin/run': text, 'app/VERSION': text})


def sha(path):
    with open(path, 'rb') as handle:
        return hashlib.sha256(handle.read()).hexdigest()


def read(*path):
    with open(os.path.join(*path)) as handle:
        return handle.read()


def listing(root):
    return sorted((dirpath, sorted(dirs), sorted(files)) for dirpath, dirs, files in os.walk(str(root)))


@pytest.fixture
def store(tmp_path):
    return ReleaseStore(str(tmp_path / 'demo'))


def deploy(store, tmp_path, version, **kwargs):
    return store.ensure('current', version=version, src=app(tmp_path, version), **kwargs)


def test_install_switch_and_idempotent_rerun(store, tmp_path):
    src = app(tmp_path, '1.0')
    result = store.ensure('current', version='1.0', src=src, strip_components=1)
    assert result['changed'] and result['installed'] and result['switched']
    assert result['current'] == '1.0' and result['history'] == ['1.0'] and result['previous'] is None
    assert os.readlink(store.current_link) == 'releases/1.0'
    release = store.release_dir('1.0')
    assert read(release, 'bin', 'run') == '1.0'
    meta = json.loads(read(release, '.hastack-release.json'))
    assert meta['version'] == '1.0' and meta['checksum'] == sha(src) and meta['installed_at'].endswith('Z')
    st = os.stat(os.path.join(release, 'bin', 'run'))
    assert (st.st_uid, st.st_gid) == (os.getuid(), os.getgid()) and st.st_mode & 0o777 == 0o644
    assert os.stat(os.path.join(release, 'bin')).st_mode & 0o777 == 0o755
    assert os.stat(store.releases_dir).st_mode & 0o777 == 0o755
    again = store.ensure('current', version='1.0', src=src, strip_components=1)
    assert not again['changed'] and not again['installed'] and not again['switched'] and again['removed'] == []
    assert again['releases'] == [meta]


def test_same_version_from_a_different_artifact_fails(store, tmp_path):
    deploy(store, tmp_path, '1.0')
    other = archive(tmp_path, 'rebuilt.tar.gz', {'app/bin/run': 'rebuilt'})
    with pytest.raises(ReleaseError, match='already installed from a different artifact') as caught:
        store.ensure('current', version='1.0', src=other)
    assert sha(other) in str(caught.value) and 'new version' in str(caught.value)


def test_checksum_option_is_checked_with_or_without_prefix(store, tmp_path):
    src = app(tmp_path, '1.0')
    with pytest.raises(ReleaseError, match='checksum mismatch') as caught:
        store.ensure('present', version='1.0', src=src, checksum='0' * 64)
    assert '0' * 64 in str(caught.value) and sha(src) in str(caught.value)
    assert not os.path.exists(store.release_dir('1.0'))
    assert store.ensure('present', version='1.0', src=src, checksum='sha256:' + sha(src).upper())['installed']
    with pytest.raises(ReleaseError, match='not a sha256'):
        store.ensure('present', version='1.0', src=src, checksum='md5:abc')


@pytest.mark.parametrize('bad, named', [
    (member('../evil', b'x'), '../evil'),
    (member('/etc/evil', b'x'), '/etc/evil'),
    (member('app/../../evil', b'x'), 'app/../../evil'),
    (member('app/link', kind=tarfile.SYMTYPE, linkname='../../etc'), 'app/link'),
    (member('app/abs', kind=tarfile.SYMTYPE, linkname='/etc/passwd'), 'app/abs'),
    (member('app/hard', kind=tarfile.LNKTYPE, linkname='/etc/passwd'), 'app/hard'),
    (member('app/fifo', kind=tarfile.FIFOTYPE), 'app/fifo'),
    (member('app/dev', kind=tarfile.CHRTYPE), 'app/dev'),
])
def test_unsafe_members_are_refused_and_leave_nothing(store, tmp_path, bad, named):
    src = archive(tmp_path, 'bad.tar.gz', [member('app/ok', b'fine'), bad])
    with pytest.raises(ReleaseError) as caught:
        store.ensure('current', version='1.0', src=src)
    assert repr(named) in str(caught.value)
    assert os.listdir(store.releases_dir) == [] and not os.path.lexists(store.current_link)


def test_writing_through_an_archive_symlink_is_refused(store, tmp_path):
    src = archive(tmp_path, 'chain.tar.gz', [member('a', kind=tarfile.SYMTYPE, linkname='.'),
                                             member('b', kind=tarfile.SYMTYPE, linkname='a/../victim'),
                                             member('b', b'overwritten')])
    with pytest.raises(ReleaseError, match="'b' would be written through a symlink"):
        store.ensure('present', version='1.0', src=src)
    assert not (tmp_path / 'demo' / 'victim').exists() and os.listdir(store.releases_dir) == []
    src = archive(tmp_path, 'relink.tar.gz', [member('x', b'file'), member('x', kind=tarfile.SYMTYPE, linkname='.'),
                                              member('y', kind=tarfile.LNKTYPE, linkname='x')])
    with pytest.raises(ReleaseError, match="'y' is a hardlink to 'x', not to a file"):
        store.ensure('present', version='1.0', src=src)


def test_a_chain_of_symlinks_out_of_the_release_is_caught_after_extraction(store, tmp_path):
    src = archive(tmp_path, 'chain.tar.gz', [member('a', kind=tarfile.SYMTYPE, linkname='.'),
                                             member('b', kind=tarfile.SYMTYPE, linkname='a/..')])
    with pytest.raises(ReleaseError, match="'b' is a symlink that resolves outside"):
        store.ensure('present', version='1.0', src=src)
    assert os.listdir(store.releases_dir) == []


@pytest.mark.parametrize('cut', [lambda data: b'not a tar at all', lambda data: data[:len(data) // 2]])
def test_a_corrupt_archive_fails_cleanly(store, tmp_path, cut):
    src = archive(tmp_path, 'big.tar.gz', [member('app/blob', os.urandom(100000))])
    with open(src, 'rb') as handle:
        data = cut(handle.read())
    with open(src, 'wb') as handle:
        handle.write(data)
    with pytest.raises(ReleaseError, match='cannot extract'):
        store.ensure('current', version='1.0', src=src)
    assert os.listdir(store.releases_dir) == [] and not os.path.lexists(store.current_link)


def test_links_inside_the_release_and_strip_components(store, tmp_path):
    src = archive(tmp_path, 'links.tar.gz', [
        member('./demo-1.0/', kind=tarfile.DIRTYPE, mode=0o777),
        member('./demo-1.0/lib/libx.so.1', b'elf', mode=0o4777),
        member('./demo-1.0/lib/libx.so', kind=tarfile.SYMTYPE, linkname='libx.so.1'),
        member('./demo-1.0/bin/libx', kind=tarfile.LNKTYPE, linkname='./demo-1.0/lib/libx.so.1', mode=0o6777),
    ])
    store.ensure('present', version='1.0', src=src, strip_components=1)
    release = store.release_dir('1.0')
    assert sorted(os.listdir(release)) == ['.hastack-release.json', 'bin', 'lib']
    assert read(release, 'lib', 'libx.so') == 'elf'
    shared = os.stat(os.path.join(release, 'lib', 'libx.so.1'))
    assert os.stat(os.path.join(release, 'bin', 'libx')).st_ino == shared.st_ino
    assert shared.st_mode & 0o7777 == 0o755  # no setuid/setgid, no group/other write
    assert os.stat(release).st_mode & 0o777 == 0o755


def test_switch_is_atomic_and_leaves_no_temporary_link(store, tmp_path):
    deploy(store, tmp_path, '1.0')
    deploy(store, tmp_path, '1.1')
    assert os.readlink(store.current_link) == 'releases/1.1'
    assert sorted(os.listdir(str(tmp_path / 'demo'))) == ['current', 'releases']
    assert sorted(os.listdir(store.releases_dir)) == ['.history.json', '1.0', '1.1']


def test_rollback_walks_back_then_fails_clearly(store, tmp_path):
    for version in ('1.0', '1.1', '1.2'):
        deploy(store, tmp_path, version)
    result = store.ensure('rolled_back')
    assert result['current'] == '1.1' and result['history'] == ['1.0', '1.1'] and result['previous'] == '1.0'
    assert result['removed'] == []  # the release left behind stays until the next switch
    second = store.ensure('rolled_back')
    assert second['current'] == '1.0' and second['removed'] == ['1.2']
    with pytest.raises(ReleaseError) as caught:
        store.ensure('rolled_back')
    assert str(caught.value) == NO_EARLIER
    assert store.current() == '1.0'


def test_rollback_skips_releases_removed_by_hand(store, tmp_path):
    for version in ('1.0', '1.1', '1.2'):
        deploy(store, tmp_path, version)
    os.rename(store.release_dir('1.1'), str(tmp_path / 'moved'))
    assert store.ensure('info')['previous'] == '1.0'  # where a rollback would go
    assert store.ensure('rolled_back')['history'] == ['1.0']


def test_switching_back_by_name_pops_the_history(store, tmp_path):
    for version in ('1.0', '1.1', '1.2'):
        deploy(store, tmp_path, version)
    result = store.ensure('current', version='1.1')
    assert result['switched'] and not result['installed'] and result['history'] == ['1.0', '1.1']
    result = store.ensure('current', version='1.0')
    assert result['history'] == ['1.0']
    assert deploy(store, tmp_path, '1.3')['history'] == ['1.0', '1.3']


def test_keep_prunes_old_releases_and_their_artifacts_but_not_current(store, tmp_path):
    os.makedirs(store.artifacts_dir)
    for version in ('1.0', '1.0.1', '1.1', '1.2'):
        open(os.path.join(store.artifacts_dir, version + '.tar.gz'), 'w').close()
    open(os.path.join(store.artifacts_dir, '1.0.tar.gz.sha256'), 'w').close()
    for version in ('1.0', '1.0.1', '1.1'):
        deploy(store, tmp_path, version, keep=2)
    store.ensure('present', version='1.2', src=app(tmp_path, '1.2'))  # staged, never current
    result = deploy(store, tmp_path, '1.0.1', keep=2)  # back by name: history 1.0, 1.0.1
    assert result['current'] == '1.0.1' and result['history'] == ['1.0.1']
    assert result['removed'] == ['1.2']  # 1.1, the release left behind, stays until the next switch
    assert store.versions() == ['1.0.1', '1.1']
    assert sorted(os.listdir(store.artifacts_dir)) == ['1.0.1.tar.gz', '1.1.tar.gz']
    assert [r['version'] for r in result['releases']] == ['1.0.1', '1.1']


def test_keep_counts_the_latest_entries_of_the_history(store, tmp_path):
    for version in ('1', '2', '3', '4', '5', '6', '7'):
        result = deploy(store, tmp_path, version)
    assert result['removed'] == ['2'] and store.versions() == ['3', '4', '5', '6', '7']
    assert store.history() == ['3', '4', '5', '6', '7']


def test_check_mode_touches_nothing(store, tmp_path):
    deploy(store, tmp_path, '1.0')
    deploy(store, tmp_path, '1.1')
    src = app(tmp_path, '2.0')
    before = listing(tmp_path)
    result = store.ensure('current', version='2.0', src=src, keep=2, check_mode=True)
    assert result['changed'] and result['installed'] and result['switched'] and result['removed'] == ['1.0']
    assert result['current'] == '2.0' and result['history'] == ['1.1', '2.0'] and result['previous'] == '1.1'
    assert result['releases'][-1] == dict(version='2.0', checksum=sha(src), installed_at=None, package=None,
                                          extra_packages=[])
    missing = store.ensure('current', version='3.0', src=str(tmp_path / 'not-copied.tgz'), check_mode=True)
    assert missing['changed'] and missing['current'] == '3.0'
    assert store.ensure('rolled_back', check_mode=True)['current'] == '1.0'
    assert listing(tmp_path) == before and os.readlink(store.current_link) == 'releases/1.1'


def test_info_reports_and_heals_a_hand_made_current(store, tmp_path):
    assert store.ensure('info') == dict(changed=False, current=None, previous=None, history=[], releases=[],
                                        installed=False, switched=False, removed=[])
    deploy(store, tmp_path, '1.0')
    os.remove(store.history_file)
    result = store.ensure('info')
    assert result['current'] == '1.0' and result['history'] == ['1.0'] and not result['changed']
    assert result['releases'][0]['checksum']


@pytest.mark.parametrize('version', ['', '.hidden', '../x', 'a/b', 'v 1', '1.0\n', 'x' * 129])
def test_version_names_are_validated(store, version):
    with pytest.raises(ReleaseError, match='must match'):
        store.ensure('present', version=version)


def test_keep_below_two_fails(store):
    with pytest.raises(ReleaseError, match='keep must be at least 2'):
        store.ensure('info', keep=1)


def test_a_missing_artifact_for_a_new_version_fails_outside_check_mode(store, tmp_path):
    with pytest.raises(ReleaseError, match='give src'):
        store.ensure('current', version='1.0')
    with pytest.raises(ReleaseError, match='not a file'):
        store.ensure('current', version='1.0', src=str(tmp_path / 'nowhere.tgz'))
