#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: hastack.platform maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: app_release
short_description: Install releases of an app side by side and switch between them atomically
version_added: 0.1.0
description:
  - Keeps each version of an app in its own directory C(releases/<version>) under O(path), extracted
    from a tar archive on the managed host, and points the symlink C(current) at one of them.
  - Installing is idempotent by checksum. The archive is extracted beside the release and renamed into
    place, and C(current) is replaced by renaming a new symlink over it, so a failed or interrupted run
    never leaves a half-extracted release or a missing C(current).
  - Archive members with absolute paths, C(..) components, device or fifo files, or links that leave the
    release are refused. Extracted files belong to the user running the module (root), never to the ids
    recorded in the archive, and lose group and other write bits and setuid/setgid bits.
  - With O(package), O(src) is a Debian package (C(.deb)) kept whole in the release as C(<package>.deb), for the
    caller to install with apt once the release is current. It must be that package, at O(version), built for
    the host's architecture (C(dpkg --print-architecture)) or C(all); any other is refused before anything is
    written.
  - C(releases/.history.json) records the versions in the order they were made current. Going back by
    name to the previous version, or O(state=rolled_back), pops the latest entry instead of pushing one.
  - After each switch, releases that are neither current nor among the last O(keep) of the history are
    removed, with the files in C(artifacts/) named after them (C(<version>.*)).
author: hastack.platform maintainers (@hastack)
attributes:
  check_mode:
    support: full
    description: Reports what would change and changes nothing. A missing O(src) is not an error then,
      since the step that copies it does not run in check mode either.
  diff_mode:
    support: full
    description: Shows the version C(current) points at, before and after.
options:
  path:
    description: Base directory of the app, holding C(releases/), C(artifacts/) and C(current).
    type: path
    required: true
  state:
    description:
      - V(present) makes sure O(version) is installed, without switching to it.
      - V(current) installs O(version) if needed and makes it current.
      - V(rolled_back) makes current the release before the current one in the history, and fails if none
        is still installed.
    type: str
    choices: [present, current, rolled_back]
    default: current
  version:
    description:
      - Version of the release, the name of its directory. Required with O(state=present) and
        O(state=current).
      - Must match C(^[A-Za-z0-9][A-Za-z0-9._+-]{0,127}$).
    type: str
  src:
    description:
      - A C(.tar.gz), C(.tgz) or C(.tar) archive on the managed host to install O(version) from.
      - Required when O(version) is not installed yet. When it is, its recorded checksum must match this
        file's; a different artifact under the same version fails.
    type: path
  package:
    description: Name of the Debian package O(src) must be; makes O(src) a C(.deb) instead of a tar archive.
    type: str
  extra_packages:
    description:
      - More Debian packages of the same release (a notifier daemon, periodic jobs), with O(package) only; the
        name of each, and its C(.deb) on the managed host. Each must be that package at O(version) for this
        host's architecture; it is kept beside O(package) as C(<name>.deb). An installed release must be given
        the same ones, from the same files.
    type: dict
    default: {}
  checksum:
    description: Expected sha256 of O(src), as C(sha256:<hex>) or C(<hex>). A mismatch fails.
    type: str
  strip_components:
    description: Leading path components to drop from the member names, like C(tar --strip-components).
      A leading C(./) does not count.
    type: int
    default: 0
  keep:
    description: How many of the latest releases in the history to keep after a switch. At least 2.
    type: int
    default: 5
seealso:
  - module: hastack.platform.app_release_info
notes:
  - Unpacks with Python's C(tarfile), so no C(tar) binary is needed on the host.
"""

EXAMPLES = r"""
- name: Deploy 1.4.2 of the demo app and make it current
  hastack.platform.app_release:
    path: /srv/demo
    version: 1.4.2
    src: /srv/demo/artifacts/1.4.2.tar.gz
    checksum: sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
    strip_components: 1
  register: demo_release

- name: Stage the next version without switching to it
  hastack.platform.app_release:
    path: /srv/demo
    state: present
    version: 1.5.0
    src: /srv/demo/artifacts/1.5.0.tar.gz

- name: Stage release 1.5.0 of the demo app, built as a Debian package
  hastack.platform.app_release:
    path: /srv/demo
    state: present
    version: 1.5.0
    package: demo
    src: /srv/demo/artifacts/1.5.0.artifact

- name: Go back to the release before the current one
  hastack.platform.app_release:
    path: /srv/demo
    state: rolled_back
"""

RETURN = r"""
current:
  description: Version C(current) points at (would point at, in check mode), or null.
  type: str
  returned: always
  sample: '1.4.2'
previous:
  description: The version a rollback would return to (the history's second last entry), or null.
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
      description: When it was extracted, ISO 8601 in UTC; null in check mode for one not extracted yet.
      type: str
    package:
      description: The Debian package the release holds (installed with P(ansible.builtin.apt#module) by the
        caller), or null for a release unpacked from a tar archive.
      type: str
    extra_packages:
      description: The names of the release's extra packages, kept beside O(package) as C(<name>.deb).
      type: list
      elements: str
installed:
  description: Whether this run extracted a release (would, in check mode).
  type: bool
  returned: always
switched:
  description: Whether this run changed the release C(current) points at (would, in check mode).
  type: bool
  returned: always
removed:
  description: Versions of the releases removed after the switch (that would be, in check mode).
  type: list
  elements: str
  returned: always
  sample: ['1.3.9']
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.hastack.platform.plugins.module_utils.app_release import ReleaseError, ReleaseStore


def main():
    argument_spec = dict(
        path=dict(type='path', required=True),
        state=dict(type='str', choices=['present', 'current', 'rolled_back'], default='current'),
        version=dict(type='str'),
        src=dict(type='path'),
        checksum=dict(type='str'),
        strip_components=dict(type='int', default=0),
        keep=dict(type='int', default=5),
        package=dict(type='str'),
        extra_packages=dict(type='dict', default={}),
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True,
                           required_if=[('state', 'present', ['version']), ('state', 'current', ['version'])])
    params = module.params
    store = ReleaseStore(params['path'])
    architectures = None
    if params['package']:
        # The host's own and foreign architectures: dpkg would refuse any other.
        architectures = []
        for option in ('--print-architecture', '--print-foreign-architectures'):
            rc, out, err = module.run_command(['dpkg', option])
            if rc != 0:
                module.fail_json(msg='dpkg %s failed: %s' % (option, err.strip()))
            architectures += out.split()
    try:
        before = store.current()
        result = store.ensure(params['state'], version=params['version'], src=params['src'],
                              checksum=params['checksum'], strip_components=params['strip_components'],
                              keep=params['keep'], check_mode=module.check_mode, package=params['package'],
                              architectures=architectures,
                              extras={name: str(src) for name, src in params['extra_packages'].items()})
    except ReleaseError as exc:
        module.fail_json(msg=str(exc))
    if module._diff:
        result['diff'] = dict(before=dict(current=before), after=dict(current=result['current']))
    module.exit_json(**result)


if __name__ == '__main__':
    main()
