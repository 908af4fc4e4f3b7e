#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: hastack.platform maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: app_release_info
short_description: Report an app's releases on a host
version_added: 0.1.0
description:
  - Read-only companion of M(hastack.platform.app_release) - which release C(current) points at, the one a
    rollback would return to, the history of switches and the installed releases.
author: hastack.platform maintainers (@hastack)
attributes:
  check_mode:
    support: full
    description: Changes nothing in any mode.
  diff_mode:
    support: none
    description: Nothing changes, so there is nothing to show.
options:
  path:
    description: Base directory of the app, holding C(releases/) and C(current).
    type: path
    required: true
seealso:
  - module: hastack.platform.app_release
"""

EXAMPLES = r"""
- name: Ask which release runs here
  hastack.platform.app_release_info:
    path: /srv/demo
  register: demo_release

- name: Show it
  ansible.builtin.debug:
    msg: "{{ demo_release.current }} (rollback goes to {{ demo_release.previous }})"
"""

RETURN = r"""
current:
  description: Version C(current) points at, or null when no release runs.
  type: str
  returned: always
  sample: '1.4.2'
previous:
  description: The version a rollback would return to, or null.
  type: str
  returned: always
  sample: '1.4.1'
history:
  description: Versions in the order they were made current, oldest first.
  type: list
  elements: str
  returned: always
  sample: ['1.4.0', '1.4.1', '1.4.2']
releases:
  description: Installed releases, oldest install first.
  type: list
  elements: dict
  returned: always
  contains:
    version:
      description: Version of the release.
      type: str
    checksum:
      description: sha256 of the archive it came from; null for a release made by hand.
      type: str
    installed_at:
      description: When it was extracted, ISO 8601 in UTC.
      type: str
    package:
      description: The Debian package the release holds, or null for one unpacked from a tar archive.
      type: str
    extra_packages:
      description: The names of the release's other Debian packages, kept beside RV(releases[].package).
      type: list
      elements: str
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.hastack.platform.plugins.module_utils.app_release import ReleaseError, ReleaseStore


def main():
    module = AnsibleModule(argument_spec=dict(path=dict(type='path', required=True)), supports_check_mode=True)
    try:
        result = ReleaseStore(module.params['path']).ensure('info', check_mode=True)
    except ReleaseError as exc:
        module.fail_json(msg=str(exc))
    for key in ('installed', 'switched', 'removed'):
        result.pop(key, None)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
