# Two commands do all the set-up on a fresh machine: `make test` and `make demo`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FASHION_MNIST := /usr/share/datasets/fashion-mnist

.PHONY: test demo lint bench dataset graphviz clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

# The demo needs NumPy, tqdm and matplotlib, and numba for the compiled kernels; the
# tests add PyTorch (the oracle).
$(VENV)/.demo-installed: pyproject.toml | $(BIN)/activate
	$(BIN)/pip install -q -e '.[train,fast]'
	touch $@

$(VENV)/.test-installed: pyproject.toml | $(BIN)/activate
	$(BIN)/pip install -q -e '.[train,test,fast]'
	touch $@

lint: $(VENV)/.test-installed
	$(BIN)/ruff check chainrule tests bench scripts examples
	$(BIN)/python scripts/line_count.py

# The second run is a machine without numba: the ops, layers, optimizers and the
# training command on the NumPy references alone.
test: lint dataset graphviz
	$(BIN)/python -m pytest -n 2 -q
	PYTHONPATH=scripts/without_numba $(BIN)/python -m pytest -n 2 -q -p no:cacheprovider \
	    tests/nn tests/optim tests/autograd tests/kernels/test_without_numba.py

# Debian's package puts the IDX files where chainrule looks; elsewhere the
# dataset class downloads them into the user cache on first use.
dataset:
	@if [ ! -f $(FASHION_MNIST)/train-images-idx3-ubyte.gz ] && [ "$$(id -u)" = 0 ] \
	    && command -v apt-get >/dev/null; then \
	    apt-get install -y dataset-fashion-mnist >/dev/null 2>&1 \
	    || (apt-get update >/dev/null && apt-get install -y dataset-fashion-mnist >/dev/null) \
	    || echo "apt-get could not install dataset-fashion-mnist; chainrule will download it"; \
	fi

# Graphviz's `dot` draws chainrule.viz.graph pictures; the tests draw one.
graphviz:
	@if ! command -v dot >/dev/null && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get install -y graphviz >/dev/null 2>&1 \
	    || (apt-get update >/dev/null && apt-get install -y graphviz >/dev/null) \
	    || echo "apt-get could not install graphviz; install it to draw graphs"; \
	fi

demo: $(VENV)/.demo-installed dataset
	$(BIN)/chainrule train

bench: $(VENV)/.test-installed dataset
	$(BIN)/python bench/bench_ops.py
	$(BIN)/python bench/bench_mlp.py
	$(BIN)/python bench/bench_cnn.py
	$(BIN)/python bench/bench_rnn.py
	$(BIN)/python bench/bench_keras.py
	$(BIN)/python bench/bench_diagnostics.py
	$(BIN)/python bench/bench_distributed.py

clean:
	rm -rf $(VENV) runs .pytest_cache
