#!/usr/bin/env bash

#PBS -N n2n-grade
#PBS -q gpu
#PBS -l select=1:ncpus=4:ngpus=2:mem=30GB
#PBS -l walltime=04:00:00
export N2N_GRADE_CORES=4
export DASK_DISTRIBUTED__WORKER__DAEMON=False
export DASK_DISTRIBUTED__WORKER__PROFILE__ENABLED=False
export N2N_GRADE_JOB_END=$(( $(date +%s) + 14400 ))
PYTHON -m distributed.cli.dask_worker tls://SCHEDULER:PORT --name WORKER_NAME --nthreads 4 --memory-limit 29.80GiB --nanny --death-timeout 60 --nthreads 1 --protocol tls:// --tls-ca-file RUN_CERTIFICATES/ca.pem --tls-cert RUN_CERTIFICATES/worker.pem --tls-key RUN_CERTIFICATES/worker.pem
