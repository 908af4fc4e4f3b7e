from __future__ import annotations

import pytest

from ansible_collections.hastack.platform.plugins.filter.debian_release import FilterModule

debian_release = FilterModule().filters()['debian_release']


@pytest.mark.parametrize('major, postgresql, name, penalties', [
    ('12', '15', 'Debian 12 (bookworm)', False),
    ('13', '17', 'Debian 13 (trixie)', True),
])
def test_supported_releases_ship_their_postgresql(major, postgresql, name, penalties):
    release = debian_release({'distribution': 'Debian', 'distribution_major_version': major})
    assert release['supported'] is True
    assert release['postgresql'] == postgresql
    assert release['sshd_penalties'] is penalties
    assert release['name'] == name
    assert release['major'] == major


@pytest.mark.parametrize('facts, name', [
    ({'distribution': 'Debian', 'distribution_major_version': '11'}, 'Debian 11'),
    ({'distribution': 'Ubuntu', 'distribution_major_version': '24'}, 'Ubuntu 24'),
    ({'distribution': 'Ubuntu', 'distribution_major_version': '13'}, 'Ubuntu 13'),
    ({}, 'unknown'),
    (None, 'unknown'),
])
def test_other_releases_are_refused_and_named(facts, name):
    release = debian_release(facts)
    assert release['supported'] is False
    assert release['postgresql'] == ''
    assert release['name'] == name


def test_the_supported_list_names_every_release_in_order():
    release = debian_release({'distribution': 'Debian', 'distribution_major_version': '11'})
    assert release['supported_releases'] == 'Debian 12 (bookworm), Debian 13 (trixie)'
