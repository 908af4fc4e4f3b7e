# hastack.platform: two commands matter.
#   make lab    bring up the 9-host lab in containers and converge site.yml on it
#   make test   every gate and every Molecule scenario (what CI runs)
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV      := .venv
WORK      := .work
COLLROOT  := $(WORK)/collections/ansible_collections/hastack
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)
export ANSIBLE_COLLECTIONS_PATH := $(CURDIR)/$(WORK)/collections
export ANSIBLE_CONFIG := $(CURDIR)/ansible.cfg
export MOLECULE_GLOB := molecule/*/molecule.yml
export LANG := C.UTF-8
LAB := inventories/lab
# DEBIAN=12 or 13: the release of every lab host (default 13), or of every
# host of a scenario or benchmark (default: each platform's own, else 13).
DEBIAN ?=
export HASTACK_DEBIAN := $(DEBIAN)

.PHONY: help lab lab-down lab-map test test-fast lint units sanity scenario docker image venv clean bench-vip bench-failover bench-deploy bench-backup bench-monitoring bench-twotier bench-django bench-rails bench-one demo-artifact

help:
	@echo "make lab        bring up the lab (Debian 13; DEBIAN=12 for Debian 12) and converge site.yml"
	@echo "make lab-down   remove the lab"
	@echo "make test       every gate and Molecule scenario (CI)"
	@echo "make test-fast  static gates and unit tests"
	@echo "make scenario S=common   one Molecule scenario (DEBIAN=12 or 13: every host on that release)"
	@echo "make bench-vip  VIP gap when the active load balancer dies (frontdoor hosts)"
	@echo "make bench-failover  write gap and loss through switchover and automatic failover under Patroni, and 60 s of full CPU that must not fail over (engine hosts; BENCH_ARGS=\"--leases 30,10,10\")"
	@echo "make bench-deploy  200 req/s through a rolling deploy and a rollback; scaling over 1-3 app hosts; TLS to the database on vs off (deploy hosts; BENCH_ARGS=--only-tls for the last alone)"
	@echo "make bench-twotier  seed 001: 50 req/s through the VIP over five Go frontends and a singleton backend, steady and with each tier's host killed; scaling over 1-5 frontends (twotier hosts)"
	@echo "make bench-django  seed 003's speedy: req/s over 1-3 app hosts; its three packages deployed and rolled back under 20 req/s (django hosts and app3)"
	@echo "make bench-rails  seeds 000/002's classroom: req/s over 1-3 app hosts; a deploy and a rollback under 20 req/s (rails hosts and app3)"
	@echo "make bench-one    the one-host shape at rest: memory and CPU of the whole stack and of each service (grow's one1)"
	@echo "make bench-backup  backup, drill and restore times for a ~1 GB database (backup hosts)"
	@echo "make bench-monitoring  what the monitoring costs on the lab: samples, memory, disk per day, CPU on a db host (make lab first)"

# The venv is rebuilt when the pinned requirements change.
$(VENV)/.stamp: tests/requirements.txt
	@python3 -c 'import venv, ensurepip' 2>/dev/null || tests/infra/ensure-host.sh
	python3 -m venv $(VENV)
	@mkdir -p $(WORK)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r tests/requirements.txt > $(WORK)/pip.log 2>&1 \
	  || { grep -v 'is ignored' $(WORK)/pip.log | tail -n 30; exit 1; }
	@touch $@

# The checkout, seen as the collection hastack.platform.
$(COLLROOT)/platform:
	@mkdir -p $(COLLROOT)
	ln -sfn ../../../.. $(COLLROOT)/platform

venv: $(VENV)/.stamp $(COLLROOT)/platform

docker:
	@tests/infra/ensure-host.sh

image: docker
	@tests/infra/build-image.sh

# The demo app's release that the lab runs (inventories/lab/group_vars/all/app.yml).
DEMO_VERSION := 1.0.0
demo-artifact:
	@examples/demo_app/build.sh $(DEMO_VERSION) $(WORK)/artifacts >/dev/null

lab: venv image demo-artifact
	@case "$(DEBIAN)" in ''|12|13) ;; *) echo "DEBIAN=$(DEBIAN): the lab runs Debian 12 or 13" >&2; exit 2 ;; esac; \
	start=$$(date +%s); \
	ansible-playbook -i $(LAB) tests/lab/lab-up.yml && \
	ansible-playbook -i $(LAB) site.yml | tee $(WORK)/lab-converge.log && \
	ansible-playbook -i $(LAB) playbooks/restore_drill.yml | tee $(WORK)/lab-drill.log | grep -o 'Restore drill passed[^"]*' && \
	python tests/lab/lab_map.py $(LAB) 20 && \
	echo "lab converged in $$(( $$(date +%s) - start )) s;" \
	  "$$(grep -o 'changed=[0-9]*' $(WORK)/lab-converge.log | awk -F= '{s+=$$2} END {print s}') changes"

lab-map: venv
	@python tests/lab/lab_map.py $(LAB)

lab-down: venv
	ansible-playbook -i $(LAB) tests/lab/lab-down.yml

test: venv image
	@tests/infra/run-tests.sh full

test-fast: venv
	@tests/infra/run-tests.sh fast

scenario: venv image
	@tests/infra/run-tests.sh scenario $(S)

# Benchmarks print and save figures (bench/results/); they assert nothing.
bench-vip: venv image
	@bench/with-scenario.sh frontdoor \
	  python bench/vip.py --vip 10.231.23.100 --containers frontdoor-lb1,frontdoor-lb2

bench-failover: venv image
	@bench/with-scenario.sh engine python bench/failover.py --vip 10.231.30.100 --prefix engine- --hosts db1=10.231.30.31,db2=10.231.30.32,db3=10.231.30.33 $(BENCH_ARGS)

clean:
	rm -rf $(WORK) tests/output importer_result.json

bench-deploy: venv image
	@HASTACK_DEPLOY_APP3=$$'\n  - {name: app3, address: 10.231.25.23, groups: [app]}' bench/with-scenario.sh deploy python bench/deploy.py --vip 10.231.25.100 $(BENCH_ARGS)

bench-twotier: venv image
	@bench/with-scenario.sh twotier python bench/twotier.py --vip 10.231.32.100 $(BENCH_ARGS)

bench-django: venv image
	@HASTACK_DJANGO_APP3=$$'\n  - {name: app3, address: 10.231.33.23, groups: [app]}' bench/with-scenario.sh django \
	  python bench/examples.py --example django --vip 10.231.33.100 $(BENCH_ARGS)

bench-rails: venv image
	@HASTACK_RAILS_APP3=$$'\n  - {name: app3, address: 10.231.34.23, groups: [app, mail], debian: 12}' bench/with-scenario.sh rails \
	  python bench/examples.py --example rails --vip 10.231.34.100 $(BENCH_ARGS)

bench-one: venv image
	@bench/with-scenario.sh grow python bench/at_rest.py --container grow-one1 --out bench/results/one-at-rest.json $(BENCH_ARGS)

bench-backup: venv image
	@bench/with-scenario.sh backup python bench/backup.py --scale 70

# Against the lab (make lab first): what the monitoring costs there.
bench-monitoring: venv
	@python bench/monitoring.py $(BENCH_ARGS)
