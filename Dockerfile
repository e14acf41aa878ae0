# Build a static binary, then ship it alone on a distroless base.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/interviewbot ./cmd/interviewbot

# distroless/static has CA certificates and tzdata; the binary also embeds
# time/tzdata, so time zones work on any base.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/interviewbot /usr/local/bin/interviewbot
USER nonroot:nonroot
ENTRYPOINT ["/usr/local/bin/interviewbot"]
EXPOSE 8080
CMD ["run"]
