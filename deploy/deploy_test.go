// Package deploy_test checks the deployment files that cannot run here (no Docker engine): that
// docker-compose.yml is consistent with itself, with the files it mounts and with Vigie's configuration, and
// that Prometheus and Alertmanager accept their configuration (promtool, amtool).
package deploy_test

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/goccy/go-yaml"

	"github.com/vigie-oss/vigie/config"
	"github.com/vigie-oss/vigie/internal/itest"
)

// repo is the repository root, from this package's folder.
const repo = ".."

type compose struct {
	Services map[string]service `yaml:"services"`
	Volumes  map[string]any     `yaml:"volumes"`
}

type service struct {
	Image       string               `yaml:"image"`
	Build       string               `yaml:"build"`
	Command     []string             `yaml:"command"`
	Environment map[string]string    `yaml:"environment"`
	Ports       []string             `yaml:"ports"`
	Volumes     []string             `yaml:"volumes"`
	DependsOn   map[string]dependsOn `yaml:"depends_on"`
	Healthcheck *healthcheck         `yaml:"healthcheck"`
	Ulimits     map[string]any       `yaml:"ulimits"`
	Restart     string               `yaml:"restart"`
}

type healthcheck struct {
	Test        []string `yaml:"test"`
	Interval    string   `yaml:"interval"`
	Timeout     string   `yaml:"timeout"`
	Retries     int      `yaml:"retries"`
	StartPeriod string   `yaml:"start_period"`
}

type dependsOn struct {
	Condition string `yaml:"condition"`
}

func loadCompose(t *testing.T) compose {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repo, "docker-compose.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var c compose
	// Strict: a key this test does not know (a misspelt healtcheck, or one added without checking it) fails.
	if err := yaml.UnmarshalWithOptions(data, &c, yaml.Strict()); err != nil {
		t.Fatalf("docker-compose.yml: %s", yaml.FormatError(err, false, true))
	}
	return c
}

// mount is one entry of a service's volumes.
type mount struct{ source, target string }

func (m mount) bind() bool {
	return strings.HasPrefix(m.source, ".") || strings.HasPrefix(m.source, "/")
}

func mounts(t *testing.T, name string, s service) []mount {
	t.Helper()
	var out []mount
	for _, v := range s.Volumes {
		parts := strings.Split(v, ":")
		if len(parts) < 2 || len(parts) > 3 || parts[0] == "" || !strings.HasPrefix(parts[1], "/") {
			t.Errorf("%s: volume %q is not SOURCE:/TARGET[:MODE]", name, v)
			continue
		}
		out = append(out, mount{parts[0], parts[1]})
	}
	return out
}

func TestComposeServices(t *testing.T) {
	c := loadCompose(t)
	for _, want := range []string{"kafka", "clickhouse", "grafana", "prometheus", "alertmanager", "vigie"} {
		if _, ok := c.Services[want]; !ok {
			t.Errorf("docker-compose.yml has no %s service", want)
		}
	}
	usedVolumes := map[string]bool{}
	hostPorts := map[string]string{}
	for name, s := range c.Services {
		if s.Image == "" && s.Build == "" {
			t.Errorf("%s: neither image nor build", name)
		}
		if s.Image != "" && !regexp.MustCompile(`:[\w.\-]+$`).MatchString(s.Image) {
			t.Errorf("%s: image %q has no pinned tag", name, s.Image)
		}
		if s.Build != "" {
			if _, err := os.Stat(filepath.Join(repo, s.Build, "Dockerfile")); err != nil {
				t.Errorf("%s: build context %q has no Dockerfile: %v", name, s.Build, err)
			}
		}
		if s.Healthcheck == nil || len(s.Healthcheck.Test) < 2 || !slices.Contains([]string{"CMD", "CMD-SHELL"}, s.Healthcheck.Test[0]) {
			t.Errorf("%s: healthcheck test must be [CMD, …] or [CMD-SHELL, …], got %+v", name, s.Healthcheck)
		} else {
			for _, d := range []string{s.Healthcheck.Interval, s.Healthcheck.Timeout, s.Healthcheck.StartPeriod} {
				if _, err := time.ParseDuration(d); d != "" && err != nil {
					t.Errorf("%s: healthcheck duration %q: %v", name, d, err)
				}
			}
		}
		if !slices.Contains([]string{"", "no", "always", "on-failure", "unless-stopped"}, s.Restart) {
			t.Errorf("%s: restart %q is not a Compose restart policy", name, s.Restart)
		}
		for _, m := range mounts(t, name, s) {
			if !m.bind() {
				usedVolumes[m.source] = true
				if _, ok := c.Volumes[m.source]; !ok {
					t.Errorf("%s: named volume %q is not declared under volumes:", name, m.source)
				}
				continue
			}
			if _, err := os.Stat(filepath.Join(repo, m.source)); err != nil {
				t.Errorf("%s: mounted host path %s does not exist in the repository (Docker would create an empty directory): %v", name, m.source, err)
			}
		}
		for _, p := range s.Ports {
			host, _, err := splitPort(p)
			if err != nil {
				t.Errorf("%s: %v", name, err)
				continue
			}
			if other, dup := hostPorts[host]; dup {
				t.Errorf("%s and %s both publish host port %s", other, name, host)
			}
			hostPorts[host] = name
		}
		for dep, d := range s.DependsOn {
			target, ok := c.Services[dep]
			switch {
			case !ok:
				t.Errorf("%s depends on %q, which is not a service", name, dep)
			case !slices.Contains([]string{"service_started", "service_healthy", "service_completed_successfully"}, d.Condition):
				t.Errorf("%s: depends_on %s has condition %q", name, dep, d.Condition)
			case d.Condition == "service_healthy" && target.Healthcheck == nil:
				t.Errorf("%s waits for %s to be healthy, but %s has no healthcheck", name, dep, dep)
			}
		}
	}
	for v := range c.Volumes {
		if !usedVolumes[v] {
			t.Errorf("volume %q is declared but no service mounts it", v)
		}
	}
	// Compose refuses a cycle in depends_on.
	state := map[string]int{} // 1 visiting, 2 done
	var visit func(string, []string)
	visit = func(n string, path []string) {
		switch state[n] {
		case 1:
			t.Errorf("depends_on cycle: %s", strings.Join(append(path, n), " → "))
			return
		case 2:
			return
		}
		state[n] = 1
		for dep := range c.Services[n].DependsOn {
			visit(dep, append(path, n))
		}
		state[n] = 2
	}
	for name := range c.Services {
		visit(name, nil)
	}
}

// splitPort reads "[IP:]HOST:CONTAINER" and returns the host and container ports.
func splitPort(p string) (host, container string, err error) {
	parts := strings.Split(p, ":")
	if len(parts) == 3 && net.ParseIP(parts[0]) != nil {
		parts = parts[1:]
	}
	num := regexp.MustCompile(`^\d{1,5}$`)
	if len(parts) != 2 || !num.MatchString(parts[0]) || !num.MatchString(parts[1]) {
		return "", "", &portError{p}
	}
	return parts[0], parts[1], nil
}

type portError struct{ p string }

func (e *portError) Error() string { return "port " + e.p + " is not [IP:]HOST:CONTAINER" }

// vigieConfig returns the configuration file the vigie service runs with, loaded as vigie loads it.
func vigieConfig(t *testing.T, c compose) *config.Config {
	t.Helper()
	v := c.Services["vigie"]
	i := slices.Index(v.Command, "-config")
	if i < 0 || i+1 >= len(v.Command) {
		t.Fatalf("vigie command %v has no -config FILE", v.Command)
	}
	inContainer := v.Command[i+1]
	for _, m := range mounts(t, "vigie", v) {
		if m.target == inContainer && m.bind() {
			cfg, err := config.Load(filepath.Join(repo, m.source))
			if err != nil {
				t.Fatal(err)
			}
			return cfg
		}
	}
	t.Fatalf("vigie runs with -config %s, but no host file is mounted there", inContainer)
	return nil
}

// serviceAddr checks that addr is SERVICE:PORT for a service of the compose file and returns both.
func serviceAddr(t *testing.T, c compose, what, addr string) (string, string) {
	t.Helper()
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		t.Errorf("%s %q: %v", what, addr, err)
		return "", ""
	}
	if _, ok := c.Services[host]; !ok {
		t.Errorf("%s %q: %s is not a service of docker-compose.yml", what, addr, host)
	}
	return host, port
}

func TestComposeVigieConfig(t *testing.T) {
	c := loadCompose(t)
	cfg := vigieConfig(t, c)
	kafka, ch, vigie := c.Services["kafka"], c.Services["clickhouse"], c.Services["vigie"]

	for _, b := range cfg.Kafka.Brokers {
		host, port := serviceAddr(t, c, "kafka.brokers", b)
		// The broker must advertise the address Vigie bootstraps with, or clients follow metadata elsewhere.
		if want := "PLAINTEXT://" + host + ":" + port; !slices.Contains(strings.Split(kafka.Environment["KAFKA_ADVERTISED_LISTENERS"], ","), want) {
			t.Errorf("kafka.brokers %s: the kafka service does not advertise %s (KAFKA_ADVERTISED_LISTENERS=%s)", b, want, kafka.Environment["KAFKA_ADVERTISED_LISTENERS"])
		}
	}
	if _, port := serviceAddr(t, c, "clickhouse.addr", cfg.ClickHouse.Addr); port != "9000" {
		t.Errorf("clickhouse.addr %s: the image serves the native protocol on 9000", cfg.ClickHouse.Addr)
	}
	for key, want := range map[string]string{"CLICKHOUSE_DB": cfg.ClickHouse.Database, "CLICKHOUSE_USER": cfg.ClickHouse.Username, "CLICKHOUSE_PASSWORD": cfg.ClickHouse.Password} {
		if ch.Environment[key] != want {
			t.Errorf("clickhouse service %s=%q, but deploy/compose/vigie.yaml says %q", key, ch.Environment[key], want)
		}
	}

	host, port, err := net.SplitHostPort(cfg.Server.Listen)
	if err != nil || (host != "0.0.0.0" && host != "") {
		t.Errorf("server.listen %q: must listen on every interface (0.0.0.0:PORT) to be scraped from the compose network", cfg.Server.Listen)
	}
	published := false
	for _, p := range vigie.Ports {
		if _, container, err := splitPort(p); err == nil && container == port {
			published = true
		}
	}
	if !published {
		t.Errorf("vigie service does not publish its metrics port %s (ports %v)", port, vigie.Ports)
	}
	if hc := strings.Join(vigie.Healthcheck.Test, " "); !strings.Contains(hc, ":"+port+"/healthz") {
		t.Errorf("vigie healthcheck %q does not ask /healthz on port %s", hc, port)
	}

	prom := readYAML[struct {
		Alerting struct {
			Alertmanagers []struct {
				StaticConfigs []struct {
					Targets []string `yaml:"targets"`
				} `yaml:"static_configs"`
			} `yaml:"alertmanagers"`
		} `yaml:"alerting"`
		ScrapeConfigs []struct {
			JobName       string `yaml:"job_name"`
			StaticConfigs []struct {
				Targets []string `yaml:"targets"`
			} `yaml:"static_configs"`
		} `yaml:"scrape_configs"`
	}](t, "deploy/prometheus/prometheus.yml")
	scraped := false
	for _, sc := range prom.ScrapeConfigs {
		for _, st := range sc.StaticConfigs {
			for _, target := range st.Targets {
				if strings.HasPrefix(target, "localhost:") {
					continue
				}
				h, p := serviceAddr(t, c, "prometheus scrape target", target)
				scraped = scraped || (h == "vigie" && p == port)
			}
		}
	}
	if !scraped {
		t.Errorf("prometheus.yml does not scrape vigie:%s", port)
	}
	for _, am := range prom.Alerting.Alertmanagers {
		for _, st := range am.StaticConfigs {
			for _, target := range st.Targets {
				serviceAddr(t, c, "prometheus alertmanager target", target)
			}
		}
	}

	ds := readYAML[struct {
		Datasources []struct {
			Name string `yaml:"name"`
			URL  string `yaml:"url"`
		} `yaml:"datasources"`
	}](t, "dashboards/provisioning/datasources/prometheus.yaml")
	for _, d := range ds.Datasources {
		u := strings.TrimPrefix(strings.TrimPrefix(d.URL, "http://"), "https://")
		serviceAddr(t, c, "grafana data source "+d.Name, strings.TrimSuffix(u, "/"))
	}
}

func readYAML[T any](t *testing.T, path string) T {
	t.Helper()
	var v T
	data, err := os.ReadFile(filepath.Join(repo, path))
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(data, &v); err != nil {
		t.Fatalf("%s: %s", path, yaml.FormatError(err, false, true))
	}
	return v
}

// TestPromAndAlertmanagerConfigs runs the projects' own checkers on the files the compose stack mounts.
func TestPromAndAlertmanagerConfigs(t *testing.T) {
	f := func(tool string, args ...string) {
		t.Helper()
		if _, err := exec.LookPath(tool); err != nil {
			msg := tool + " is not installed (deploy/local/install.sh installs it from Debian's prometheus / prometheus-alertmanager)"
			if itest.Required() {
				t.Fatal(msg)
			}
			t.Skip(msg)
		}
		cmd := exec.Command(tool, args...)
		cmd.Dir = repo
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("%s %s: %v\n%s", tool, strings.Join(args, " "), err, out)
		}
	}
	t.Run("promtool", func(t *testing.T) { f("promtool", "check", "config", "deploy/prometheus/prometheus.yml") })
	t.Run("amtool", func(t *testing.T) { f("amtool", "check-config", "deploy/alertmanager/alertmanager.yml") })
}
