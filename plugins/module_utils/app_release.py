# -*- coding: utf-8 -*-
# Copyright: hastack.platform maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Releases of one app under a base directory: install, switch, roll back, prune.

The layer under app_release (whose documentation describes the layout). Every change is built beside its
target and renamed into place, so a crash leaves the old state or the new one, never half of one.
Errors are ReleaseError naming the fix; the module reports them once.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import re
import shutil
import tarfile
import tempfile
import zlib

from ansible_collections.hastack.platform.plugins.module_utils.deb_package import DebPackageError, check_package

VERSION_RE = re.compile(r'^[A-Za-z0-9][A-Za-z0-9._+-]{0,127}$')
METADATA = '.hastack-release.json'
HISTORY = '.history.json'
NO_EARLIER = 'no earlier release of this app to roll back to on this host; deploy a version instead'

# Members are checked here, as Debian 12's Python 3.11.2 may lack tarfile filters; where they
# exist, ask for no filter (3.12+ warns without one, 3.14 defaults to 'data') so hosts agree.
EXTRACT_ARGS = {'filter': 'fully_trusted'} if hasattr(tarfile, 'fully_trusted_filter') else {}


class ReleaseError(Exception):
    """A release could not be installed, switched or removed; the message says why."""


def check_version(version):
    # fullmatch: '$' alone would let a trailing newline through.
    if not isinstance(version, str) or not VERSION_RE.fullmatch(version):
        raise ReleaseError('version %r is not valid: it must match %s (a letter or digit, then at most 127 letters, '
                           'digits, ".", "_", "+" or "-")' % (version, VERSION_RE.pattern))


def normalize_checksum(value):
    text = re.sub(r'^sha256:', '', value.strip().lower())
    if not re.fullmatch(r'[0-9a-f]{64}', text):
        raise ReleaseError('checksum %r is not a sha256: give 64 hex digits, optionally prefixed "sha256:"' % value)
    return text


def sha256_file(path):
    digest = hashlib.sha256()
    with open(path, 'rb') as handle:
        for block in iter(lambda: handle.read(1 << 20), b''):
            digest.update(block)
    return digest.hexdigest()


def write_json(path, data):
    """Write beside the target and rename over it: readers never see half a file."""
    fd, tmp = tempfile.mkstemp(prefix='.tmp-', dir=os.path.dirname(path))
    try:
        with os.fdopen(fd, 'w') as handle:
            handle.write(json.dumps(data, indent=2, sort_keys=True) + '\n')
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def safe_members(tar, strip_components=0):
    """The members to extract, renamed for strip_components and owned by us. Raises ReleaseError naming
    the first one that could write outside the release (symlink chains are caught by settle_tree)."""
    wanted, files, symlinks = [], set(), set()
    for member in tar.getmembers():
        raw = member.name.split('/')
        if member.name.startswith('/') or '..' in raw:
            raise ReleaseError('archive member %r has an absolute path or a ".." component' % member.name)
        if not (member.isreg() or member.isdir() or member.issym() or member.islnk()):
            raise ReleaseError('archive member %r is a device, fifo or other special file' % member.name)
        parts = [part for part in raw if part not in ('', '.')][strip_components:]
        if not parts:
            continue  # stripped away, like tar --strip-components
        name = '/'.join(parts)
        # A later member at or under a symlink would be written wherever the link points.
        if any('/'.join(parts[:i]) in symlinks for i in range(1, len(parts) + 1)):
            raise ReleaseError('archive member %r would be written through a symlink of the archive' % member.name)
        if member.issym():
            target = os.path.normpath(os.path.join(os.path.dirname(name), member.linkname))
            if member.linkname.startswith('/') or target == '..' or target.startswith('../'):
                raise ReleaseError('archive member %r is a symlink to %r, outside the release'
                                   % (member.name, member.linkname))
            symlinks.add(name)
            files.discard(name)  # os.link would follow it
        elif member.islnk():
            # A hardlink may only share a file extracted before it: never a symlink, never a host file.
            link = [part for part in member.linkname.split('/') if part not in ('', '.')]
            target = '/'.join(link[strip_components:])
            if member.linkname.startswith('/') or '..' in link or target not in files:
                raise ReleaseError('archive member %r is a hardlink to %r, not to a file earlier in the archive'
                                   % (member.name, member.linkname))
            member.linkname = target
        if member.isreg() or member.islnk():
            files.add(name)
        member.name = name
        # Root owns the release, whatever the build host's ids; nobody else may write
        # to it, and setuid/setgid bits are dropped with the group/other write bits.
        member.mode = 0o755 if member.isdir() else member.mode & 0o755
        member.uid, member.gid, member.uname, member.gname = os.getuid(), os.getgid(), '', ''
        wanted.append(member)
    return wanted


def settle_tree(root):
    """Directories 0755, and no symlink that resolves outside root (a chain of links can)."""
    real_root = os.path.realpath(root)
    for dirpath, dirnames, filenames in os.walk(root):
        os.chmod(dirpath, 0o755)
        for name in dirnames + filenames:
            full = os.path.join(dirpath, name)
            real = os.path.realpath(full) if os.path.islink(full) else real_root
            if real != real_root and not real.startswith(real_root + os.sep):
                raise ReleaseError('archive member %r is a symlink that resolves outside the release'
                                   % os.path.relpath(full, root))


class ReleaseStore(object):
    """The releases of one app under path."""

    def __init__(self, path):
        self.path = path
        self.releases_dir = os.path.join(path, 'releases')
        self.artifacts_dir = os.path.join(path, 'artifacts')
        self.current_link = os.path.join(path, 'current')
        self.history_file = os.path.join(self.releases_dir, HISTORY)

    def release_dir(self, version):
        return os.path.join(self.releases_dir, version)

    def versions(self):
        """Installed versions. Dot names are partial extractions and bookkeeping."""
        names = os.listdir(self.releases_dir) if os.path.isdir(self.releases_dir) else []
        return sorted(name for name in names if VERSION_RE.fullmatch(name) and os.path.isdir(self.release_dir(name)))

    def metadata(self, version):
        try:
            with open(os.path.join(self.release_dir(version), METADATA)) as handle:
                data = json.load(handle)
        except (OSError, ValueError):
            data = None  # a release made by hand: installed, but nothing recorded
        data = data if isinstance(data, dict) else {}
        extras = data.get('extra_packages')
        return dict(version=version, checksum=data.get('checksum'), installed_at=data.get('installed_at'),
                    package=data.get('package'), extra_packages=sorted(extras) if isinstance(extras, list) else [])

    def current(self):
        link = os.readlink(self.current_link) if os.path.islink(self.current_link) else None
        return os.path.basename(os.path.normpath(link)) if link else None

    def history(self):
        """The switch history, oldest first, ending with the current version."""
        try:
            with open(self.history_file) as handle:
                saved = json.load(handle)
        except (OSError, ValueError):
            saved = []  # bookkeeping only: the symlink and the directories are the truth
        history = []
        for entry in saved if isinstance(saved, list) else []:
            if isinstance(entry, str) and VERSION_RE.fullmatch(entry):
                history = [v for v in history if v != entry] + [entry]
        current = self.current()
        if current and history[-1:] != [current]:
            # current was switched by hand, or the history was lost: trust the symlink.
            history = [v for v in history if v != current] + [current]
        return history

    def install(self, version, src=None, checksum=None, strip_components=0, check_mode=False, package=None,
                architectures=None, extras=None):
        """Make sure releases/<version> exists; returns the new release's metadata, or None if it was there.
        With package, src is a Debian package of that name at that version, kept whole in the release; extras
        ({name: path}) are more packages of the same release and version, kept beside it."""
        extras = extras or {}
        if extras and not package:
            raise ReleaseError('extra packages come with a package release only (package is not set)')
        if package in extras:
            raise ReleaseError('%s is the release\'s own package; an extra package needs another name' % package)
        expected = normalize_checksum(checksum) if checksum else None
        have_src = src is not None and os.path.isfile(src)
        if src is not None and not have_src and not check_mode:
            raise ReleaseError('src %s is not a file on this host' % src)
        actual = sha256_file(src) if have_src else None
        if expected and actual and actual != expected:
            raise ReleaseError('checksum mismatch for %s: expected sha256 %s, the file has sha256 %s'
                               % (src, expected, actual))
        given = actual or expected
        extra_given = {}
        for name, path in sorted(extras.items()):
            if os.path.isfile(path):
                extra_given[name] = sha256_file(path)
            elif not check_mode:
                raise ReleaseError('extra package %s: %s is not a file on this host' % (name, path))
        if os.path.isdir(self.release_dir(version)):
            installed = self.metadata(version)['checksum']
            if given and installed and given != installed:
                raise ReleaseError('release %s is already installed from a different artifact (installed sha256 %s, '
                                   'given %s); give the new build a new version' % (version, installed, given))
            # An install asked for (and, in check mode, every file there): the same packages as before.
            if src is not None and len(extra_given) == len(extras):
                self._check_extras(version, extra_given)
            return None
        for name, path in [(package, src)] + sorted(extras.items()) if have_src and package else []:
            if not os.path.isfile(path):
                continue  # check mode: not copied yet
            try:  # a package of another name or version fails before anything is written, in check mode too
                check_package(path, name, version, architectures)
            except DebPackageError as exc:
                raise ReleaseError('%s is refused as release %s of %s: %s' % (path, version, name, exc))
        if check_mode:
            if have_src and not package:  # without it: the role's copy step does not run in check mode either
                with tarfile.open(src) as tar:
                    safe_members(tar, strip_components)  # a bad archive fails in check mode too
            return dict(version=version, checksum=given, installed_at=None, package=package,
                        extra_packages=sorted(extras))
        if not have_src:
            raise ReleaseError('release %s is not installed on this host; give src, the archive to install it from'
                               % version)
        return self._extract(version, src, actual, strip_components, package, extras, extra_given)

    def _check_extras(self, version, extra_given):
        """An installed release keeps the extra packages it was made with: the same names, the same files."""
        try:
            with open(os.path.join(self.release_dir(version), METADATA)) as handle:
                recorded = json.load(handle).get('extra_checksums') or {}
        except (OSError, ValueError, AttributeError):
            recorded = {}
        if recorded != extra_given:
            raise ReleaseError('release %s is already installed with the extra packages %s; given %s. Give the new '
                               'build a new version' % (version, sorted(recorded) or 'none', sorted(extra_given) or 'none'))

    def _extract(self, version, src, checksum, strip_components, package=None, extras=None, extra_checksums=None):
        if not os.path.isdir(self.releases_dir):
            os.makedirs(self.releases_dir)
            os.chmod(self.releases_dir, 0o755)
        # Extract beside the release and rename it into place: a release is there whole or not at all.
        partial = tempfile.mkdtemp(prefix='.%s.partial-' % version, dir=self.releases_dir)
        try:
            if package:
                for name, path in [(package, src)] + sorted((extras or {}).items()):
                    shutil.copyfile(path, os.path.join(partial, name + '.deb'))
                    os.chmod(os.path.join(partial, name + '.deb'), 0o644)
            else:
                with tarfile.open(src) as tar:
                    tar.extractall(partial, members=safe_members(tar, strip_components), numeric_owner=True,
                                   **EXTRACT_ARGS)
            settle_tree(partial)
            # Microseconds, so that releases installed within one second still sort in order.
            meta = dict(version=version, checksum=checksum, package=package, extra_packages=sorted(extra_checksums or {}),
                        installed_at=datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%S.%fZ'))
            if extra_checksums:
                meta['extra_checksums'] = extra_checksums
            if os.path.lexists(os.path.join(partial, METADATA)):
                os.unlink(os.path.join(partial, METADATA))  # never write through an archive's own file or link
            write_json(os.path.join(partial, METADATA), meta)
            os.rename(partial, self.release_dir(version))
        except BaseException:
            shutil.rmtree(partial, ignore_errors=True)
            raise
        return meta

    def _link_current(self, version):
        # A new symlink renamed over the old one: current always points at a whole release.
        tmp = os.path.join(self.path, '.current.tmp-%s' % os.urandom(6).hex())
        os.symlink(os.path.join('releases', version), tmp)
        try:
            os.replace(tmp, self.current_link)
        except BaseException:
            os.unlink(tmp)
            raise

    def _remove(self, version, known):
        # Renamed first, so that a half-removed tree never looks like an installed release.
        doomed = tempfile.mkdtemp(prefix='.%s.removing-' % version, dir=self.releases_dir)
        os.rename(self.release_dir(version), os.path.join(doomed, version))
        shutil.rmtree(doomed)
        for name in os.listdir(self.artifacts_dir) if os.path.isdir(self.artifacts_dir) else []:
            # The longest matching version owns a name: 1.2 must not take 1.2.3.tar.gz.
            owners = [v for v in known if name.startswith(v + '.')]
            if owners and max(owners, key=len) == version:
                os.unlink(os.path.join(self.artifacts_dir, name))

    def ensure(self, state, version=None, src=None, checksum=None, strip_components=0, keep=5, check_mode=False,
               package=None, architectures=None, extras=None):
        """Bring the app to state; returns the module's result. check_mode changes nothing."""
        if keep < 2 or strip_components < 0:
            raise ReleaseError('keep must be at least 2 (the current release and one to roll back to) and '
                               'strip_components at least 0; got keep=%d, strip_components=%d' % (keep, strip_components))
        if version is not None:
            check_version(version)
        if state in ('present', 'current') and version is None:
            raise ReleaseError('state=%s needs a version' % state)
        try:
            return self._ensure(state, version, src, checksum, strip_components, keep, check_mode, package,
                                architectures, extras)
        except (tarfile.TarError, EOFError, zlib.error) as exc:  # a corrupt or truncated archive
            raise ReleaseError('cannot extract %s: %s' % (src, exc))
        except OSError as exc:
            raise ReleaseError('cannot manage the releases under %s: %s' % (self.path, exc))

    def _ensure(self, state, version, src, checksum, strip_components, keep, check_mode, package, architectures,
                extras=None):
        before = self.current()
        # Entries whose release is gone are left out, so that `previous` is where a rollback goes.
        history = [v for v in self.history() if v == before or os.path.isdir(self.release_dir(v))]
        new = (self.install(version, src, checksum, strip_components, check_mode, package, architectures, extras)
               if state in ('present', 'current') else None)
        target = None
        if state == 'current' and version != before:
            target = version
            # Going back by name to the previous release is a rollback: pop rather than push.
            history = history[:-1] if history[-2:-1] == [version] else [v for v in history if v != version] + [version]
        elif state == 'rolled_back':
            history = history[:-1]
            if not history:
                raise ReleaseError(NO_EARLIER)
            target = history[-1]
        removed = []
        if target:
            if os.path.lexists(self.current_link) and not os.path.islink(self.current_link):
                raise ReleaseError('%s is not a symlink; move it away so that releases can be switched'
                                   % self.current_link)
            present = set(self.versions()) | {target}
            history = [v for v in history if v in present]
            # The release left behind stays until the next switch: a roll forward needs no copy.
            kept = set(history[-keep:]) | {target, version, before}
            removed = sorted(present - kept)
            history = [v for v in history if v not in removed]
            if not check_mode:
                self._link_current(target)
                write_json(self.history_file, history)
                for gone in removed:
                    self._remove(gone, (present | {version}) - {None})
        releases = [self.metadata(v) for v in self.versions() if v not in removed]
        if new and check_mode:
            releases.append(new)  # not on disk yet
        releases.sort(key=lambda r: (r['installed_at'] is None, r['installed_at'] or '', r['version']))
        return dict(changed=bool(new or target), current=target or before,
                    previous=history[-2] if len(history) > 1 else None, history=history, releases=releases,
                    installed=new is not None, switched=target is not None, removed=removed)
