# The CoEdge job image: the official Flink 2.2 image (Java 17) plus the job jar in usrlib/, where
# the Flink Kubernetes Operator's application mode finds it (jarURI local:///opt/flink/usrlib/...).
# Flink itself is not in the jar (provided scope); the Kafka connector and the CoEdge code are.
# The distribution's plugins/metrics-prometheus serves the reporter the FlinkDeployment enables.
#
# Build from the repository root, after `mvn -pl jobs -am package -DskipTests`:
#   docker build -f deploy/docker/job.Dockerfile -t coedge/flink-job:0.1.0 .
FROM flink:2.2-java17

COPY --chown=flink:flink jobs/target/coedge-job.jar /opt/flink/usrlib/coedge-job.jar
