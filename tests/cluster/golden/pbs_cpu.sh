#!/usr/bin/env bash

#PBS -N n2n-grade
#PBS -q workq
#PBS -A ee559
#PBS -l select=1:ncpus=8:mem=15GB
#PBS -l walltime=12:00:00
export N2N_GRADE_CORES=8
export DASK_DISTRIBUTED__WORKER__DAEMON=False
export DASK_DISTRIBUTED__WORKER__PROFILE__ENABLED=False
export N2N_GRADE_JOB_END=$(( $(date +%s) + 43200 ))
PYTHON -m distributed.cli.dask_worker tls://SCHEDULER:PORT --name WORKER_NAME --nthreads 8 --memory-limit 14.90GiB --nanny --death-timeout 60 --nthreads 1 --protocol tls:// --tls-ca-file RUN_CERTIFICATES/ca.pem --tls-cert RUN_CERTIFICATES/worker.pem --tls-key RUN_CERTIFICATES/worker.pem
