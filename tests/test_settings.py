"""Server settings: the two profiles, overrides, and bad values that fall back with a log line."""

from pathlib import Path

from explainer.settings import MEMORY_SHARES, Settings


def test_local_and_public_profiles():
    local = Settings.from_env({})
    public = Settings.from_env({"EXPLAINER_PROFILE": "public"})
    assert local.profile == "local" and public.profile == "public"
    assert public.max_job_seconds == 120 < local.max_job_seconds
    assert public.max_queued < local.max_queued
    assert local.workers >= 1 and local.memory_bytes == 256 * 2**20


def test_each_value_can_be_overridden(tmp_path):
    settings = Settings.from_env({"EXPLAINER_WORKERS": "3", "EXPLAINER_MAX_JOB_SECONDS": "30.5",
                                  "EXPLAINER_MEMORY_MB": "100", "EXPLAINER_RUNS_DIR": str(tmp_path),
                                  "EXPLAINER_RUNS_DISK_MB": "10", "EXPLAINER_MAX_JOBS_PER_VISITOR": "2"})
    assert (settings.workers, settings.max_job_seconds, settings.max_jobs_per_visitor) == (3, 30.5, 2)
    assert settings.memory_bytes == 100 * 2**20 and settings.runs_disk_bytes == 10 * 2**20
    assert settings.runs_dir == Path(tmp_path)


def test_bad_values_fall_back_to_the_default_with_a_log_line(caplog):
    with caplog.at_level("WARNING", logger="explainer.settings"):
        settings = Settings.from_env({"EXPLAINER_PROFILE": "<script>", "EXPLAINER_WORKERS": "-2",
                                      "EXPLAINER_MEMORY_MB": "lots", "EXPLAINER_MAX_JOB_SECONDS": "1e999"})
    assert settings.profile == "local" and settings.workers >= 1 and settings.memory_bytes == 256 * 2**20
    assert settings.max_job_seconds == 1800
    assert caplog.text.count("using") == 4


def test_the_memory_shares_split_the_budget_exactly():
    assert abs(sum(MEMORY_SHARES.values()) - 1) < 1e-9


def test_the_default_worker_count_follows_a_container_quota(tmp_path):
    from explainer.settings import available_cpus

    quota = tmp_path / "cpu.max"
    quota.write_text("150000 100000\n")  # one and a half cores: one worker
    assert available_cpus(quota) == 1
    quota.write_text("max 100000\n")
    assert available_cpus(quota) >= 1
    assert available_cpus(tmp_path / "missing") >= 1
