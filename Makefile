# tea: thin wrapper over meson + ninja. Every target installs what it needs first.
BUILD      ?= build
ASAN_BUILD ?= build-asan
FUZZ_SECONDS ?= 60
PREFIX     ?= /usr/local

.PHONY: all deps test test-cross demo bench fuzz clean install

all: deps $(BUILD)/build.ninja
	ninja -C $(BUILD)

deps:
	@sh scripts/deps.sh

$(BUILD)/build.ninja:
	meson setup $(BUILD) --buildtype=release --prefix=$(PREFIX) -Dstatic_libs=true

$(ASAN_BUILD)/build.ninja:
	CC=clang meson setup $(ASAN_BUILD) --buildtype=debug -Db_sanitize=address,undefined -Db_lundef=false

test: deps $(BUILD)/build.ninja $(ASAN_BUILD)/build.ninja
	ninja -C $(BUILD)
	ninja -C $(ASAN_BUILD)
	@sh scripts/test.sh $(BUILD) $(ASAN_BUILD)

test-cross: all
	@BUILD=$(BUILD) sh scripts/cross.sh

demo: all
	@sh scripts/demo.sh $(BUILD)

bench: all
	@bash bench/run.sh --teanode $(BUILD)/src/cli/teanode
	@sh bench/node/run.sh $(BUILD)

fuzz: deps
	@sh scripts/fuzz.sh $(FUZZ_SECONDS)

install: all
	meson install -C $(BUILD)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) build-fuzz build-cross
