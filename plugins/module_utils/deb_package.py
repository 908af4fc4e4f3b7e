# -*- coding: utf-8 -*-
# Copyright: hastack.platform maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The control fields of a Debian package, read with Python alone.

A .deb is an ar archive of debian-binary, control.tar[.gz|.xz|.bz2] and data.tar.*: the controller
reads a package's name and version before any host changes, and hosts read it without dpkg-deb.
Errors are DebPackageError naming the fix.
"""

from __future__ import annotations

import io
import lzma
import tarfile
import zlib

AR_MAGIC = b'!<arch>\n'
AR_HEADER = 60
CONTROL_MEMBERS = ('control.tar', 'control.tar.gz', 'control.tar.xz', 'control.tar.bz2')
# Bounds: a control archive and its control file are a few kB; refuse to read a hostile one whole.
MAX_CONTROL = 1 << 20


class DebPackageError(Exception):
    """The file is not a Debian package this module can read; the message says why."""


def _members(handle):
    """(name, size) of each ar member, leaving handle at its data."""
    if handle.read(len(AR_MAGIC)) != AR_MAGIC:
        raise DebPackageError('it is not a Debian package (no ar archive header)')
    while True:
        header = handle.read(AR_HEADER)
        if not header:
            return
        if len(header) != AR_HEADER or header[58:60] != b'`\n':
            raise DebPackageError('it is truncated or not a Debian package (bad ar member header)')
        name = header[:16].decode('ascii', 'replace').strip().rstrip('/')
        size = header[48:58].decode('ascii', 'replace').strip()
        if not size.isdigit():  # digits only: a negative size would seek back to the same header forever
            raise DebPackageError('it is not a Debian package (bad ar member size)')
        size = int(size)
        start = handle.tell()
        yield name, size
        handle.seek(start + size + size % 2)  # members are padded to an even offset


def control_fields(path):
    """The fields of the package's control file, as a dict (continuation lines joined)."""
    try:
        with open(path, 'rb') as handle:
            for name, size in _members(handle):
                if name in CONTROL_MEMBERS:
                    if size > MAX_CONTROL:
                        raise DebPackageError('its %s is %d bytes, more than a control archive holds' % (name, size))
                    data = handle.read(size)
                    if len(data) != size:
                        raise DebPackageError('it is truncated (its %s ends early)' % name)
                    return parse_control(_control_file(name, data))
                if name.startswith('control.tar.'):
                    raise DebPackageError('its control archive is %s, which cannot be read here: build it with '
                                          'dpkg-deb -Zxz or -Zgzip' % name)
    except (OSError, EOFError, tarfile.TarError, lzma.LZMAError, zlib.error) as exc:
        raise DebPackageError('it cannot be read: %s' % exc)
    raise DebPackageError('it has no control archive')


def _control_file(name, data):
    with tarfile.open(fileobj=io.BytesIO(data), mode='r:*') as tar:
        for member in tar.getmembers():
            if member.name in ('control', './control') and member.isreg():
                # Capped: a small compressed archive may unpack to a huge file.
                text = tar.extractfile(member).read(MAX_CONTROL + 1)
                if len(text) > MAX_CONTROL:
                    raise DebPackageError('its control file is larger than %d bytes' % MAX_CONTROL)
                return text.decode('utf-8', 'replace')
    raise DebPackageError('its %s has no control file' % name)


def parse_control(text):
    fields, last = {}, None
    for line in text.splitlines():
        if line[:1] in (' ', '\t') and last:
            fields[last] += '\n' + line.strip()
        elif ':' in line:
            last, value = line.split(':', 1)
            last = last.strip()
            fields[last] = value.strip()
    for required in ('Package', 'Version', 'Architecture'):
        if not fields.get(required):
            raise DebPackageError('its control file has no %s field' % required)
    return fields


def check_package(path, package, version, architectures=None):
    """The package's fields; raises DebPackageError unless it is package at version, for one of architectures."""
    fields = control_fields(path)
    problems = []
    if fields['Package'] != package:
        problems.append('it is package %r, not %r' % (fields['Package'], package))
    if fields['Version'] != version:
        problems.append('its version is %r, not %r' % (fields['Version'], version))
    if architectures and fields['Architecture'] not in set(architectures) | {'all'}:
        problems.append('it is built for %s, not for %s' % (fields['Architecture'], ' or '.join(architectures)))
    if problems:
        raise DebPackageError('; '.join(problems))
    return fields
