# Ordagrann build targets. `make run` and `make test` work on a fresh Debian
# machine with Go; .ci/run installs the Debian packages the tests use.

GO       ?= go
BIN      := bin
RUN_DIR  ?= .run
ASR_URL  ?=
ASR_API  ?= whisper-server
ASR_MODEL ?=
WAV      ?= testdata/audio/meeting-sv.wav
HTTP_ADDR ?= 127.0.0.1:8080
MQTT_ADDR ?= 127.0.0.1:8883

.PHONY: all build run test test-short bench vet fuzz clean

all: build

build:
	$(GO) build -o $(BIN)/ ./cmd/...

# Starts the central service and one simulated box, plays a scripted meeting
# (badge, yes, the bundled Swedish recording, badge) and prints the web address.
run: build
	$(GO) build -o $(BIN)/demo ./scripts/demo
	exec $(BIN)/demo -bin $(BIN) -dir $(RUN_DIR) -wav $(WAV) \
		-asr-url '$(ASR_URL)' -asr-api '$(ASR_API)' -asr-model '$(ASR_MODEL)' \
		-http-addr '$(HTTP_ADDR)' -mqtt-addr '$(MQTT_ADDR)'

vet:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$unformatted" ]; then echo "gofmt needed:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...

test: vet
	$(GO) test -count=1 -timeout 20m ./...

test-short:
	$(GO) test -short ./...

bench:
	$(GO) test -run '^$$' -bench . -benchmem -timeout 30m ./...

# Runs each fuzzer for a short while; FUZZTIME=5m for a longer run.
FUZZTIME ?= 20s
fuzz:
	@for pkg in $$($(GO) list ./...); do \
	  for f in $$($(GO) test -list '^Fuzz' $$pkg 2>/dev/null | grep '^Fuzz'); do \
	    echo "fuzz $$pkg $$f"; $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
	  done; \
	done

clean:
	rm -rf $(BIN) $(RUN_DIR)

# Generates the speaker diarization evaluation set once (about 4 minutes of
# espeak-ng, room simulation and mixing on one core) and prints the
# diarization error rate and real-time factor of every condition.
EVALSET    ?= $(RUN_DIR)/evalset
REAL_AUDIO ?= ../shared/audio
.PHONY: bench-diarization
bench-diarization:
	@test -f $(EVALSET)/.complete || { $(GO) run ./scripts/evalset -out $(EVALSET) -real $(REAL_AUDIO) && touch $(EVALSET)/.complete; }
	$(GO) run ./scripts/diarbench -dir $(EVALSET)
