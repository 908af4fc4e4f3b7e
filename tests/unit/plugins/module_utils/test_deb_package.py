from __future__ import annotations

import io
import os
import shutil
import subprocess
import tarfile

import pytest

from ansible_collections.hastack.platform.plugins.module_utils.deb_package import (
    DebPackageError, check_package, control_fields, parse_control,
)

CONTROL = 'Package: demo\nVersion: 2.0.0\nArchitecture: all\nMaintainer: Ops <ops@example.org>\n' \
          'Description: the demo app\n a long line\n .\n another\n'


def ar_member(name, data):
    header = ('%-16s%-12d%-6d%-6d%-8s%-10d`\n' % (name, 0, 0, 0, '100644', len(data))).encode()
    assert len(header) == 60
    return header + data + (b'\n' if len(data) % 2 else b'')


def tar_bytes(files, mode):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode=mode) as tar:
        for name, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def deb(tmp_path, control=CONTROL, compression='xz', members=None, name='demo.deb'):
    """A .deb as dpkg-deb lays it out: debian-binary, control.tar.<compression>, data.tar.xz."""
    suffix = '.' + compression if compression else ''
    if members is None:
        members = [('debian-binary', b'2.0\n'),
                   ('control.tar' + suffix, tar_bytes({'./control': control}, 'w:' + compression)),
                   ('data.tar.xz', tar_bytes({'./usr/share/demo/VERSION': '2.0.0\n'}, 'w:xz'))]
    path = tmp_path / name
    path.write_bytes(b'!<arch>\n' + b''.join(ar_member(n, d) for n, d in members))
    return str(path)


@pytest.mark.parametrize('compression', ['xz', 'gz', 'bz2', ''])
def test_reads_the_control_fields_whatever_the_compression(tmp_path, compression):
    fields = control_fields(deb(tmp_path, compression=compression))
    assert fields['Package'] == 'demo' and fields['Version'] == '2.0.0' and fields['Architecture'] == 'all'
    assert fields['Description'] == 'the demo app\na long line\n.\nanother'


@pytest.mark.skipif(not shutil.which('dpkg-deb'), reason='dpkg-deb is not installed')
def test_reads_a_package_built_by_dpkg_deb(tmp_path):
    root = tmp_path / 'root'
    (root / 'DEBIAN').mkdir(parents=True)
    (root / 'DEBIAN' / 'control').write_text('Package: demo\nVersion: 1:2.0.0-1\nArchitecture: amd64\n'
                                             'Maintainer: Ops <ops@example.org>\nDescription: demo\n')
    (root / 'usr' / 'share' / 'demo').mkdir(parents=True)
    (root / 'usr' / 'share' / 'demo' / 'VERSION').write_text('2.0.0\n')
    out = str(tmp_path / 'demo.deb')
    subprocess.run(['dpkg-deb', '--root-owner-group', '--build', str(root), out], check=True, capture_output=True)
    assert check_package(out, 'demo', '1:2.0.0-1', ['amd64'])['Architecture'] == 'amd64'


def test_refuses_another_package_version_or_architecture_naming_each(tmp_path):
    path = deb(tmp_path, control=CONTROL.replace('Architecture: all', 'Architecture: arm64'))
    with pytest.raises(DebPackageError) as caught:
        check_package(path, 'shop', '2.1.0', ['amd64'])
    message = str(caught.value)
    assert "package 'demo', not 'shop'" in message and "version is '2.0.0', not '2.1.0'" in message
    assert 'built for arm64, not for amd64' in message
    assert check_package(path, 'demo', '2.0.0', ['amd64', 'arm64'])['Package'] == 'demo'
    assert check_package(deb(tmp_path, name='all.deb'), 'demo', '2.0.0', ['amd64'])['Architecture'] == 'all'


@pytest.mark.parametrize('content, words', [
    (b'PK\x03\x04 a zip file', 'no ar archive header'),
    (b'!<arch>\ncontrol.tar.gz  0           0     0     100644  400       `\n\x1f\x8b', 'is truncated'),
    (b'!<arch>\ncontrol.tar.gz  0           0     0     100644  2         `\n\x1f\x8b', 'cannot be read'),
    (b'!<arch>\ngarbage', 'bad ar member header'),
    (b'!<arch>\n', 'no control archive'),
    # A negative size would seek back to the same header forever.
    (b'!<arch>\ncontrol.tar.gz  0           0     0     100644  -60       `\n', 'bad ar member size'),
])
def test_refuses_what_is_not_a_package(tmp_path, content, words):
    path = tmp_path / 'bad.deb'
    path.write_bytes(content)
    with pytest.raises(DebPackageError) as caught:
        control_fields(str(path))
    assert words in str(caught.value)


def test_refuses_a_control_archive_it_cannot_read_with_the_fix(tmp_path):
    path = deb(tmp_path, members=[('debian-binary', b'2.0\n'), ('control.tar.zst', b'\x28\xb5\x2f\xfd')])
    with pytest.raises(DebPackageError) as caught:
        control_fields(path)
    assert 'control.tar.zst' in str(caught.value) and 'dpkg-deb -Zxz' in str(caught.value)


def test_refuses_a_control_file_without_its_required_fields(tmp_path):
    with pytest.raises(DebPackageError) as caught:
        control_fields(deb(tmp_path, control='Package: demo\nArchitecture: all\n'))
    assert 'no Version field' in str(caught.value)
    with pytest.raises(DebPackageError):
        control_fields(deb(tmp_path, members=[('debian-binary', b'2.0\n'),
                                              ('control.tar.gz', tar_bytes({'./md5sums': ''}, 'w:gz'))]))
    assert parse_control('Package: a\nVersion: 1\nArchitecture: all\n')['Version'] == '1'


def test_refuses_an_oversized_control_archive(tmp_path):
    path = tmp_path / 'big.deb'
    path.write_bytes(b'!<arch>\n' + ('%-16s%-12d%-6d%-6d%-8s%-10d`\n' % ('control.tar.xz', 0, 0, 0, '100644', 5 << 20)).encode())
    with pytest.raises(DebPackageError) as caught:
        control_fields(str(path))
    assert 'more than a control archive holds' in str(caught.value)
    assert os.path.getsize(str(path)) < 100


def test_refuses_a_control_file_that_unpacks_larger_than_the_cap(tmp_path):
    control = CONTROL + 'X-Padding: ' + 'a' * (2 << 20) + '\n'
    with pytest.raises(DebPackageError) as caught:
        control_fields(deb(tmp_path, control=control))
    assert 'control file is larger than' in str(caught.value)
