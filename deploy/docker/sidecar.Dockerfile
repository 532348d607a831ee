# The CoEdge GPU sidecar image: one ONNX Runtime process per edge node, shared by every task on
# it, speaking the Open Inference Protocol (gRPC 8001; metrics and health on 8002).
# ONNX Runtime 1.23 (onnxruntime_gpu) needs CUDA 12.x and cuDNN 9 at run time: this base has both;
# without a usable GPU the sidecar falls back to the CPU (unless started with --strict).
#
# Build from the repository root, after collecting the sidecar's jars:
#   mvn -pl gpu-sidecar -am package -DskipTests
#   mvn -pl gpu-sidecar dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory=target/lib
#   docker build -f deploy/docker/sidecar.Dockerfile -t coedge/gpu-sidecar:0.1.0 .
FROM nvidia/cuda:12.6.3-cudnn-runtime-ubuntu24.04

RUN apt-get update \
 && apt-get install -y --no-install-recommends openjdk-17-jre-headless \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 9999 coedge

COPY gpu-sidecar/target/lib/ /opt/coedge/lib/
COPY gpu-sidecar/target/coedge-gpu-sidecar-*.jar /opt/coedge/lib/

USER coedge
EXPOSE 8001 8002
ENTRYPOINT ["java", "-XX:+UseSerialGC", "-cp", "/opt/coedge/lib/*", "io.coedge.sidecar.cli.SidecarCommand"]
CMD ["--models", "/models", "--port", "8001", "--metrics-port", "8002", "--device", "cuda:0", "--bind", "0.0.0.0"]
