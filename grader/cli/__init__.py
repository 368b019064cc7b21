"""The `grade` command line: a thin click wrapper over the grader's Python API.

`grade PATH...` grades submissions; named subcommands (`grade data`, ...) do the
rest. Each subcommand lives in its own module of this package.
"""

import click

from grader import __version__


class DefaultToGrade(click.Group):
    """A group whose first argument is a submission path unless it names a subcommand."""

    default_command = "submission"

    def parse_args(self, ctx, args):
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h", "--version"):
            args = [self.default_command, *args]
        return super().parse_args(ctx, args)

    def format_help(self, ctx, formatter):
        """The group's help, then the options of `grade PATH...` itself: what most readers came for."""
        super().format_help(ctx, formatter)
        command = self.commands[self.default_command]
        with click.Context(command, info_name=ctx.info_name, parent=ctx.parent) as sub_ctx:
            params = [p for p in command.get_params(sub_ctx) if isinstance(p, click.Option)]
            records = [r for p in params if (r := p.get_help_record(sub_ctx))]
        with formatter.section("Grading options (grade PATH... [options])"):
            formatter.write_dl(records)


@click.group(cls=DefaultToGrade, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="grade")
def main():
    """Grade EE-559 mini-project 2 submissions.

    \b
      grade PATH... [options]  grade submissions (folders or zips); --out DIR -j N for a class
      grade summary DIR        the class table of a folder of results
      grade similarity SUBS... --out DIR   which teams share code
      grade ci [PATH]          the fast checks for a student's repository CI
      grade checks             every check id with its points
      grade data               build or inspect the embedded data set
      grade cluster-script     the job script a --cluster slurm/pbs/sge/lsf batch submits
      grade env create|show    worker environments like the course's VM (--worker-python), the shims
      grade gradescope-package the autograder zip to upload to Gradescope
    """


def _register():
    from grader.cli import (
        checks_cmd,
        ci_cmd,
        cluster_cmd,
        data_cmd,
        env_cmd,
        grade_cmd,
        gradescope_cmd,
        similarity_cmd,
        summary_cmd,
    )

    main.add_command(grade_cmd.submission)
    main.add_command(data_cmd.data)
    main.add_command(checks_cmd.checks)
    main.add_command(summary_cmd.summary)
    main.add_command(ci_cmd.ci)
    main.add_command(cluster_cmd.cluster_script)
    main.add_command(env_cmd.env)
    main.add_command(similarity_cmd.similarity)
    main.add_command(gradescope_cmd.gradescope_package)


_register()
