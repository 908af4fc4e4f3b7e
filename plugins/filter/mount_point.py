# -*- coding: utf-8 -*-
# Copyright: hastack.platform maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filter mount_point: the mount point, among a host's mounts, of the filesystem that holds a path."""

from __future__ import annotations

import posixpath

from ansible.errors import AnsibleFilterError

DOCUMENTATION = r"""
name: mount_point
short_description: The mount point of the filesystem that holds a path
version_added: 0.1.0
description:
  - The longest mount point in O(mounts) that is the path itself or one of its parent directories, so a path that
    does not exist yet is placed where it would be created.
  - C(/) when no mount matches (every Linux host mounts C(/)).
  - A relative path is an error naming it.
options:
  _input:
    description: An absolute path.
    type: str
    required: true
  mounts:
    description: The host's mounts, as the C(mounts) fact lists them (each with a C(mount) key).
    type: list
    elements: dict
    required: true
"""

EXAMPLES = r"""
- name: Is the repository on another filesystem than the data?
  ansible.builtin.debug:
    msg: >-
      {{ '/var/lib/pgbackrest' | hastack.platform.mount_point(ansible_facts.mounts)
         != '/var/lib/postgresql' | hastack.platform.mount_point(ansible_facts.mounts) }}
"""

RETURN = r"""
_value:
  description: The mount point.
  type: str
"""


def _within(path, mount):
    return path == mount or mount == '/' or path.startswith(mount + '/')


def mount_point(path, mounts):
    text = str(path)
    if not text.startswith('/'):
        raise AnsibleFilterError('mount_point: %r is not an absolute path' % (path,))
    normal = posixpath.normpath(text)
    points = [posixpath.normpath(str(entry.get('mount', ''))) for entry in mounts or []]
    matching = [point for point in points if point.startswith('/') and _within(normal, point)]
    return max(matching, key=len) if matching else '/'


class FilterModule(object):
    def filters(self):
        return {'mount_point': mount_point}
