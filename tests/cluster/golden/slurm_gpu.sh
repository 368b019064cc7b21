#!/usr/bin/env bash

#SBATCH -J n2n-grade
#SBATCH -p gpu
#SBATCH -n 1
#SBATCH --cpus-per-task=4
#SBATCH --mem=30G
#SBATCH -t 04:00:00
#SBATCH --gres=gpu:1
export N2N_GRADE_CORES=4
export DASK_DISTRIBUTED__WORKER__DAEMON=False
export DASK_DISTRIBUTED__WORKER__PROFILE__ENABLED=False
export N2N_GRADE_JOB_END=$(( $(date +%s) + 14400 ))
PYTHON -m distributed.cli.dask_worker tls://SCHEDULER:PORT --name WORKER_NAME --nthreads 4 --memory-limit 29.80GiB --nanny --death-timeout 60 --nthreads 1 --protocol tls:// --tls-ca-file RUN_CERTIFICATES/ca.pem --tls-cert RUN_CERTIFICATES/worker.pem --tls-key RUN_CERTIFICATES/worker.pem
