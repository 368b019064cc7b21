"""bestmodel.pth: opened from the working directory, saved from CUDA, a Git LFS pointer, missing."""

from __future__ import annotations

from sample_team import Team
from teams.snippets import M, LOAD

TEAMS: list[Team] = [
    Team(
        name="team_cwd_checkpoint",
        summary="bestmodel.pth is opened relative to the working directory (./Miniproject_2/bestmodel.pth)",
        folder="Proj_290077_302215",
        edits=[(M, LOAD, "        weights = torch.load(\"./Miniproject_2/bestmodel.pth\", map_location=self.device)\n")],
        expect={"model.load_pretrained": "warn", "model.pretrained_psnr": "pass", "structure.bestmodel": "pass"},
        contains={"model.load_pretrained": "relative to the working directory"},
        exit_code=0, score_min=85,
    ),
    Team(
        name="team_cuda_checkpoint",
        summary="both projects' bestmodel.pth hold CUDA tensors and are loaded without map_location",
        folder="Proj_281150_296604",
        checkpoint="cuda",
        edits=[(M, LOAD, "        path = Path(__file__).parent / \"bestmodel.pth\"\n"
                         "        weights = torch.load(path)  # trained on the cluster's GPU\n")],
        with_project1="team_mp1_cuda_checkpoint",  # both projects trained on the cluster's GPU
        expect={"model.load_pretrained": "warn", "model.pretrained_psnr": "pass", "structure.bestmodel": "pass",
                "mp1.model.load_pretrained": "warn", "mp1.model.pretrained_psnr": "pass"},
        contains={"model.load_pretrained": "loaded a CUDA checkpoint on CPU",
                  "mp1.model.load_pretrained": "loaded a CUDA checkpoint on CPU"},
        exit_code=0, score_min=170, project_scores={"1": [85, 100], "2": [85, 100]},
        details="The worker's cuda_checkpoint shim maps the tensors to the CPU (map_location) and says so, in "
                "each project's worker.",
    ),
    Team(
        name="team_lfs_pointer",
        summary="bestmodel.pth is a Git LFS pointer, not the weights",
        folder="Proj_297703_283341",
        checkpoint="lfs",
        expect={"structure.bestmodel": "fail", "model.load_pretrained": "fail", "model.pretrained_psnr": "skipped",
                "model.train_time": "pass", "blocks.Conv2d.forward": "pass"},
        contains={"structure.bestmodel": "LFS"},
        exit_code=0, score_max=88,
    ),
    Team(
        name="team_missing_checkpoint",
        summary="no bestmodel.pth and no report; the folder names one SCIPER only",
        folder="Proj_284466",
        checkpoint="none", report=False,
        expect={"structure.bestmodel": "fail", "structure.report": "warn", "structure.folder_name": "warn",
                "model.load_pretrained": "fail", "model.pretrained_psnr": "skipped", "model.train_time": "pass"},
        contains={"model.load_pretrained": "FileNotFoundError"},
        exit_code=0, score_max=88,
    ),
]
