// ExperimentFileReference: the text of Docs/ExperimentFile.md — the file format in prose, then
// every stage kind's inputs, outputs and parameters generated from the registry. A test keeps the committed file
// equal to this output (RECORD_SNAPSHOTS=1 rewrites it).
import PipelineEngine

/// The experiment-file reference document.
public enum ExperimentFileReference {
    public static var markdown: String {
        // Test utilities (`sleep`) are not part of the file format users write, so they are left out.
        let kinds = StandardStages.registry.kinds.values.filter { !$0.isTestUtility }
        return prose + limits + executorProse + "\n" + SchemaDocumentation.table(ExecutorSettings.parameters)
            + resourcesProse + "\n" + SchemaDocumentation.table(StageResources.parameters)
            + "\n## Stage kinds\n\nGenerated from the stage declarations (the same ones validation uses).\n\n"
            + SchemaDocumentation.markdown(Array(kinds))
    }

    /// The loader's limits, with the values it enforces (LoaderLimits.standard).
    static var limits: String {
        let l = LoaderLimits.standard
        return """

        ## Limits

        Experiment files are shared between people, so the loader bounds what one may expand to and
        stops, with exit 2 and a problem naming the limit and its value (`(limit: nodes = \(l.nodes))`),
        before the expansion happens:

        | limit | value | what counts |
        | --- | --- | --- |
        | `nodes` | \(l.nodes) | YAML nodes, an alias counted each time it is used, plus every node a `${var}` copies (an alias "billion laughs" stops here) |
        | `matrix instances` | \(l.matrixInstances) | stage instances after matrix expansion, all stages together, counted by multiplying value counts before expanding |
        | `string bytes` | \(l.stringBytes) | UTF-8 bytes of one string after `${…}` interpolation (`v2: "${v1}${v1}"` doubling stops here) |
        | `total string bytes` | \(l.totalStringBytes) | all interpolated strings together |
        | `overrides` | \(l.overrides) | `--set` flags on one command line |
        | `name length` | \(l.nameLength) | characters of the experiment name, a stage id, a variable or matrix variable name, a matrix value (they become folder and file names) |

        Input files must be regular files (a link to one is fine): a FIFO, a device such as
        `/dev/zero`, a socket or a folder is reported by `validate` and `plan`, never read.

        """
    }

    static let prose = """
    # Experiment files

    An experiment file is YAML. It names the experiment, sets a seed, declares variables and an
    optional matrix, and lists stages. `hsiflow validate FILE` checks all of it at once and prints
    every problem as `file:line:column: message`, with "did you mean" where a name is close.

    ```yaml
    name: quickstart            # results go to results/<name>/ (letters, digits, - _ .)
    seed: 41                    # every stage's key includes it; stages use it for their randomness
    vars:
      data: ../data/indian_pines  # ${data} anywhere in a stage; a var may use earlier vars
    matrix:
      bands: [none, pca]        # stages mentioning ${bands} run once per value
    stages:
      scene:
        kind: load
        cube: synthetic
      reduce:
        kind: band-select
        needs: scene            # a stage id or a list of them
        method: ${bands}
    report:
      title: Free text for the report
    ```

    ## Top-level keys

    | key | meaning |
    | --- | --- |
    | `name` | **required**; names `results/<name>/` |
    | `description` | free text |
    | `seed` | integer ≥ 0 (default 0); part of every stage's key |
    | `vars` | mapping of names to values, interpolated as `${name}` |
    | `matrix` | mapping of names to non-empty lists of scalar values |
    | `stages` | **required**; mapping of stage ids (letters, digits, `-`, `_`) to stages |
    | `report` | mapping passed to the report (e.g. `title`) |
    | `executor` | where stages run: `kind: local` (default) or `slurm`, and Slurm's options (below) |

    ## Stages

    Every stage has `kind:` (one of the kinds below) and optionally `needs:` and `resources:`
    (below); every other key is a parameter of its kind. Unknown keys, wrong types and
    out-of-range values are errors. Parameters left out take their defaults, which are part of
    the stage's key.

    ## Inputs come from ancestors, nearest first

    Each kind declares typed inputs (a `cube`, a `split` of train and test label maps, a `model`,
    `models-per-level`, …) and outputs (tables below). A stage takes each input from its *nearest*
    ancestor — counted in `needs` edges — that outputs that type, so `needs:` names only the stage
    it follows:

    ```yaml
      prune:
        kind: prune
        needs: train        # model from train; cube and split from reduce, above train
      quantize:
        kind: quantize
        needs: prune        # models-per-level from prune, nearer than train's model
    ```

    `validate` (and so `plan` and `run`) reports, before anything runs, every required input no
    ancestor provides and every input two different ancestors provide at the same distance, at
    the stage's `needs:` with what its ancestors provide. To choose, need the one you mean
    directly (it is then nearer), or name one matrix instance: `needs: train[bands=pca]`. A stage
    also reads, and its key includes, the ancestors that feed its inputs.

    ## Interpolation

    `${name}` is replaced by a var, a matrix value, or `seed`. A value that is exactly `${name}`
    keeps the variable's type (`epochs: "${n}"` is an integer when `n` is); inside a longer string the
    value is written as text. In flow mappings (`{...}`) quote values that start with `${`.

    ## Matrix

    A stage that mentions a matrix variable is expanded into one instance per value, with ids like
    `reduce[bands=pca]`; with two variables, `train[bands=pca,lr=0.01]` (matrix order). A stage that
    needs an expanded stage is expanded the same way and each instance needs the matching one.
    `--only` and `--force` accept an instance id or a stage name (all its instances).

    ## Overrides

    `--set dotted.path=value` changes the file before it is resolved: `--set stages.train.epochs=20`,
    `--set vars.data=/elsewhere`, `--set seed=7`. The value is read as YAML (`20` is a number,
    `[1, 2]` a list). Every segment but the last must exist.

    ## Input files and caching

    Parameters of type *file path* name input files; a relative path is resolved against the folder
    of the experiment file (as DVC resolves paths against `dvc.yaml`), whatever directory `hsiflow`
    runs in — this includes paths built from `vars` and `--set vars.data=…`; absolute paths are
    used as they are. The manifest records each file's path as written and, for a relative one, the
    resolved path. A missing file is reported before anything runs. A stage's key is
    the SHA-256 of its kind, implementation version, seed, resolved parameters, the content hashes
    of its input files and of its upstream outputs — so a touched but unchanged file reruns nothing,
    setting a parameter back restores the earlier results from the cache, and a stage whose outputs
    come out byte-identical keeps its dependents cached.

    ## Commands that read experiment files

    | command | what it does |
    | --- | --- |
    | `hsiflow validate FILE [--json]` | every problem at once, exit 2 if any |
    | `hsiflow plan FILE [--json]` | per stage: reuse, or run and why (`params.epochs 10 → 20`, `input reduce[bands=pca] changed`, `new stage`, `--force`, `output cube missing from cache`); runs nothing |
    | `hsiflow run FILE [--jobs N] [--force ID]... [--only ID]... [--keep-going]` | runs what the plan says (with `--only`, the summary lists the selected stages and counts the rest in one line); writes `results/<name>/manifest.json` (with the environment it ran in: hsiflow version, source commit, CPU and its flags, BLAS kernel, threads per stage) and keeps every run's own record under `results/<name>/runs/<run-id>/`. A partial run (`--only`) keeps the stages it did not select in the current manifest, each carried over from the run that produced it (`carriedFrom: <run-id>` on the stage, `summary.carried`), as long as its key still applies; so the report stays whole. exit 1 if a stage failed |
    | `hsiflow run FILE --executor slurm [--detach] [--keep-going]` | every stage that must run becomes a Slurm job (`hsiflow stage run` against the cache, `afterok` dependencies); watches, then writes the manifest with each stage's `job` (id, node, state, log); `--detach` submits and prints the run id. See `Docs/Slurm.md` |
    | `hsiflow status RUN [--wait]` | a Slurm run's progress; once its jobs have ended, collects them into the manifest as an attached run does |
    | `hsiflow graph FILE [--format text\\|dot\\|mermaid] [--json]` | the expanded stage graph |
    | `hsiflow stage run FILE ID` | one stage alone through the cache (what it needs must be cached) |
    | `hsiflow diff A B [--json] [--all] [--timings] [--exit-code]` | a summary of counts first, then changed parameters, headline metrics (old → new (Δ)), a table per list of objects (prune `levels`, quantize `models`: one row per level, only the columns that changed), lists and matrices of numbers in one line each (`confusion: 14 cells changed, max \\|Δ\\| 9`; every leaf with `--all`; `--json` keeps every leaf), then artifacts; lines fit 100 columns; stages *not reproduced* (same key, different outputs) in their own section; environment differences and timings apart, never counted by `--exit-code` |
    | `hsiflow cache verify\\|gc\\|du [--json]` | check every object's hash, collect unreferenced entries, show sizes |
    | `hsiflow cache verify FILE --recompute ID... [--threads N] [--json]` | rerun cached stages in a scratch area (inputs from the cache, outputs in memory) and say per stage `reproduced` or `NOT reproduced: outputs … differ`; exit 1 if any is not, 2 if a stage is unknown or not cached; the cache is only read |

    All of them take `--set key=value` (not diff) and `--cache DIR` (default `$HSIFLOW_CACHE`, else
    `.hsiflow/cache`). Runs (and `stage run`) share a cache: each stage is computed under its own
    lock, so a run that needs a stage another run is computing waits, saying who, and then reuses
    it (`--no-wait` fails instead); `cache gc` and `cache verify` wait until no run holds the
    cache. A killed process's locks are released by the kernel. The `--json` shapes
    are in `Docs/JSONOutput.md`.

    """

    static let executorProse = """

    ## Executor

    `executor:` says where the stages run; `hsiflow run --executor local|slurm` overrides its `kind`.
    With `slurm`, every stage that must run becomes one Slurm job running `hsiflow stage run`
    against the cache, submitted with `--dependency=afterok:` on its upstream stages' jobs; cached
    stages submit nothing. See `Docs/Slurm.md`. Not part of any stage's key.

    ```yaml
    executor:
      kind: slurm
      partition: debug
      account: lab
      sbatch-args: [--constraint=avx2]
    ```

    """

    static let resourcesProse = """

    ## Resources

    `resources:` in a stage says what it asks of the machine. Left-out keys take the defaults of
    the stage's kind (listed with each kind below). With Slurm they become `--cpus-per-task`,
    `--mem`, `--time` and `--gres`; locally, `cpus` shares the cores out: a ready stage starts while
    a core is free (of the machine's, or of `--jobs` when larger) and holds its cpus, or the cores
    still free if fewer, so no core idles while a stage waits; ready stages start longest remaining
    path first (by the seconds of the last run). Not part of the stage's key: they never change its
    outputs. The defaults below are for a kind that sets none.

    ```yaml
      train:
        kind: train
        needs: reduce
        resources: {cpus: 4, memory: 8G, time: "6:00:00"}
    ```

    """
}
