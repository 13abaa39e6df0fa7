package ec2

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3assets"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/velocity-cdk/velocity/gobundle"
)

// The names the service has on an instance. The Image Builder component
// installs the bundle under these names; the user data and the CloudWatch
// agent refer to them.
const (
	serverPackage = "./examples/service/cmd/server"
	serverBinary  = "/usr/local/bin/server"
	serviceName   = "factorial"
	serviceUser   = "factorial"
	servicePort   = 8080
	logDir        = "/var/log/" + serviceName
	logFile       = logDir + "/server.log"
)

// unitFile is the systemd unit of the service. The server logs JSON lines to
// standard output; systemd appends them to logFile, which the CloudWatch agent
// ships and logrotate rotates. TimeoutStopSec leaves the server's 20 s
// graceful shutdown room before systemd kills it.
var unitFile = `[Unit]
Description=Factorial service (Velocity EC2 example)
Wants=network-online.target
After=network-online.target

[Service]
Type=simple
User=` + serviceUser + `
Group=` + serviceUser + `
Environment=PORT=` + fmt.Sprint(servicePort) + `
Environment=SHUTDOWN_TIMEOUT=20s
ExecStart=` + serverBinary + `
Restart=always
RestartSec=2
KillSignal=SIGTERM
TimeoutStopSec=30
StandardOutput=append:` + logFile + `
StandardError=append:` + logFile + `
NoNewPrivileges=true
ProtectSystem=strict
ProtectHome=true
PrivateTmp=true
PrivateDevices=true
ProtectKernelTunables=true
ProtectKernelModules=true
ProtectControlGroups=true
RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX
LockPersonality=true
MemoryDenyWriteExecute=true
CapabilityBoundingSet=

[Install]
WantedBy=multi-user.target
`

// logrotateFile keeps a week of logs on the instance. copytruncate, because
// systemd holds the file open; CloudWatch Logs keeps the long-term copy.
var logrotateFile = logFile + ` {
    daily
    rotate 7
    maxsize 100M
    missingok
    notifempty
    compress
    delaycompress
    copytruncate
}
`

// serverBundle is the S3 asset the Image Builder component installs: a zip
// with the server binary built for Linux on arm64 (Graviton), its systemd
// unit and its logrotate configuration, all made at synth by the local Go
// toolchain, so synth never needs Docker. The asset hash is the hash of that
// output, so any change to the server, the unit or the rotation yields a new
// hash, and with it a new image.
func serverBundle(scope constructs.Construct, id string) awss3assets.Asset {
	root, err := gobundle.ModuleRoot()
	if err != nil {
		panic(err)
	}
	return awss3assets.NewAsset(scope, jsii.String(id), &awss3assets.AssetProps{
		Path:          jsii.String(filepath.Join(root, filepath.FromSlash(serverPackage))),
		AssetHashType: awscdk.AssetHashType_OUTPUT,
		Bundling: &awscdk.BundlingOptions{
			// Never pulled: the local build below succeeds or panics, so CDK
			// never falls back to Docker.
			Image: awscdk.DockerImage_FromRegistry(jsii.String("scratch")),
			Local: &serverBuild{root: root, pkg: serverPackage},
		},
	})
}

// serverBuild implements awscdk.ILocalBundling with gobundle.Binary.
type serverBuild struct {
	root, pkg string
}

// TryBundle writes the server into outputDir, and the unit and logrotate
// files next to it. A failure panics with the compiler's output
// rather than returning false, which would make CDK try Docker and fail with
// a message about Docker instead.
func (b *serverBuild) TryBundle(outputDir *string, _ *awscdk.BundlingOptions) *bool {
	server, err := gobundle.Binary(b.root, b.pkg)
	if err != nil {
		panic(err.Error())
	}
	if err := os.WriteFile(filepath.Join(*outputDir, "server"), server, 0o755); err != nil {
		panic(fmt.Sprintf("writing the server into the server bundle: %v", err))
	}
	for name, content := range map[string]string{
		serviceName + ".service":   unitFile,
		serviceName + ".logrotate": logrotateFile,
	} {
		if err := os.WriteFile(filepath.Join(*outputDir, name), []byte(content), 0o644); err != nil {
			panic(fmt.Sprintf("writing %s into the server bundle: %v", name, err))
		}
	}
	return jsii.Bool(true)
}
