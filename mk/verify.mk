# Model checking (issue 18): the Promela models of the pool and of WAIT.
#   make verify   every model with spin; each run must find what it states (tools/verify.sh)

.PHONY: verify
verify:
	@sh tools/install-deps.sh verify
	sh tools/verify.sh $(CURDIR)/build/verify
