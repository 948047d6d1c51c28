package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime/debug"
	"strings"
	"time"

	"github.com/amphora-s3/amphora/cassandra"
	"github.com/amphora-s3/amphora/frontend"
	"github.com/amphora-s3/amphora/store"
)

// storeConfig maps the file's Cassandra and storage sections onto the
// store's typed options (the password from the environment in force:
// loadConfig has checked it).
func storeConfig(c Config) cassandra.Config {
	cs := c.Cassandra
	password, _ := cs.password()
	if cs.Username == "" {
		password = ""
	}
	return cassandra.Config{
		Hosts:             cs.Hosts,
		Keyspace:          cs.Keyspace,
		Consistency:       strings.ToUpper(cs.Consistency),
		SerialConsistency: strings.ToUpper(cs.SerialConsistency),
		LocalDC:           cs.LocalDatacenter,
		Username:          cs.Username,
		Password:          password,
		TLS: cassandra.TLS{
			Enabled:              cs.TLS.Enabled,
			CAFile:               cs.TLS.CAFile,
			CertFile:             cs.TLS.CertFile,
			KeyFile:              cs.TLS.KeyFile,
			ServerName:           cs.TLS.ServerName,
			SkipHostVerification: !cs.TLS.VerifyHost,
		},
		ConnectTimeout:      cs.ConnectTimeout.Duration,
		Timeout:             cs.Timeout.Duration,
		Connections:         cs.Connections,
		ProtocolVersion:     cs.ProtocolVersion,
		DisableBlockReadOne: !cs.BlockReadOne,
		BlockCacheSize:      int64(cs.BlockCacheMB) << 20,
		Replication: cassandra.Replication{
			Class:       cs.Replication.Class,
			DataCenters: cs.Replication.Datacenters,
			Factor:      cs.Replication.Factor,
		},
		BlockSize:         int(c.Storage.BlockSize),
		BlocksInFlight:    c.Storage.BlocksInFlight,
		MaxBlocksInFlight: c.Storage.MaxBlocksInFlight,
		MaxBlockBuffers:   c.Storage.blockBuffers(),
		InlineSize:        offIfZero(int(c.Storage.InlineSize)),
		InlineBatchLimit:  int(c.Storage.InlineBatchLimit),
		BucketCacheTTL:    time.Duration(offIfZero(int(c.Storage.BucketCacheTTL.Duration))),
		GCGrace:           c.Storage.GCGrace.Duration,
		SweepInterval:     c.Storage.SweepInterval.Duration,
		ListingShards:     c.Storage.ListingShards,
		ListingPartRows:   c.Storage.ListingPartitionRows,
		ListingPartBytes:  int64(c.Storage.ListingPartitionBytes),
		ListingMapTTL:     c.Storage.ListingMapTTL.Duration,
		ListingInterval:   c.Storage.ListingInterval.Duration,
		MultipartMaxAge:   c.Storage.MultipartMaxAge.Duration,
		KeyCacheTTL:       time.Duration(offIfZero(int(c.Accounts.KeyCacheTTL.Duration))),
	}
}

// openStore opens the Cassandra store with the master key in force
// (nil: secrets stored as they are; serve warns).
func openStore(ctx context.Context, cfg Config, sc cassandra.Config) (*cassandra.Store, error) {
	mk, err := cfg.Accounts.masterKey()
	if err != nil {
		return nil, err
	}
	sc.MasterKey = mk
	return cassandra.Open(ctx, sc)
}

// bootstrapAccounts makes sure the account of every config file key
// exists in Cassandra, so that the admin CLI can give it more keys.
func bootstrapAccounts(ctx context.Context, st *cassandra.Store, creds []CredentialConfig) error {
	for _, c := range creds {
		if err := st.EnsureAccount(ctx, store.Account{ID: c.Tenant, DisplayName: c.DisplayName}); err != nil {
			return fmt.Errorf("account %q of config key %s: %w", c.Tenant, c.AccessKey, err)
		}
	}
	return nil
}

// offIfZero maps the file's 0 ("off") to package cassandra's -1 (its 0
// means "default").
func offIfZero(n int) int {
	if n == 0 {
		return -1
	}
	return n
}

// memoryLimit is the Go runtime's soft memory limit for serve: the block
// buffer budget, the driver's frames of the block statements in flight
// (a write's frame grows to up to twice the block) and room for the rest.
// Without it the collector lets the heap reach twice what is live, which
// under a burst of large transfers is mostly garbage frames.
func memoryLimit(st StorageConfig) int64 {
	return int64(st.blockBuffers()+2*st.MaxBlocksInFlight)*int64(st.BlockSize) + 128<<20
}

func serve(ctx context.Context, cfg Config) error {
	log := newLogger(cfg.Log, nil)
	if os.Getenv("GOMEMLIMIT") == "" {
		limit := memoryLimit(cfg.Storage)
		debug.SetMemoryLimit(limit)
		log.Info().Int64("memory_limit_mib", limit>>20).Msg("soft memory limit from the block budgets (GOMEMLIMIT overrides)")
	}
	mon, err := startMonitoring(cfg.Metrics.Listen, log)
	if err != nil {
		return err
	}
	defer mon.close()
	sc := storeConfig(cfg)
	sc.Logger = log.With().Str("component", "cassandra").Logger()
	sc.Observer = mon.observer()
	if t := cfg.Cassandra.TLS; t.Enabled && !t.VerifyHost {
		log.Warn().Msg("cassandra.tls.verify_host = false: node certificates are checked against the CA but not for the host they are for")
	}
	if cfg.Cassandra.ApplySchema {
		if err := cassandra.ApplySchema(ctx, sc); err != nil {
			return fmt.Errorf("apply schema: %w", err)
		}
		log.Info().Str("keyspace", sc.Keyspace).Msg("schema applied")
	}
	st, err := openStore(ctx, cfg, sc)
	if err != nil {
		return err
	}
	defer st.Close()
	if mk, _ := cfg.Accounts.masterKey(); mk == nil {
		log.Warn().Msg("no master key (accounts.master_key or " + masterKeyEnv + "): secret keys created from now on are stored in Cassandra in the clear")
	}
	if err := bootstrapAccounts(ctx, st, cfg.Credentials); err != nil {
		return err
	}

	ring, err := loadKeyRing(cfg.Encryption, log)
	if err != nil {
		return err
	}
	creds := make([]frontend.Credential, 0, len(cfg.Credentials))
	for _, c := range cfg.Credentials {
		creds = append(creds, frontend.Credential{AccessKey: c.AccessKey, SecretKey: c.SecretKey, Tenant: c.Tenant, DisplayName: c.DisplayName})
	}
	h, err := frontend.New(frontend.Options{
		Store:                  st,
		Credentials:            creds,
		Accounts:               st,
		Region:                 cfg.Server.Region,
		VirtualHostDomains:     cfg.Server.VirtualHostDomains,
		TrustForwardedHost:     cfg.Server.TrustForwardedHost,
		AllowSSECOverHTTP:      cfg.Server.AllowSSECOverHTTP,
		KeyRing:                ring,
		Logger:                 log,
		ClientTimeout:          cfg.Server.ClientTimeout.Duration,
		ClientMinRate:          int64(cfg.Server.ClientMinRate),
		DefaultObjectOwnership: cfg.Server.DefaultObjectOwnership,
		Metrics:                mon.registerer(),
		LifecycleDay:           cfg.Lifecycle.Day.Duration,
	})
	if err != nil {
		return err
	}

	bg, cancelBg := context.WithCancel(context.Background())
	defer cancelBg()
	sweeperDone := make(chan struct{})
	if cfg.Storage.Sweeper {
		go func() {
			defer close(sweeperDone)
			st.RunSweeper(bg)
		}()
	} else {
		close(sweeperDone)
	}
	listingDone := make(chan struct{})
	if cfg.Storage.ListingWorker {
		go func() {
			defer close(listingDone)
			st.RunListingWorker(bg)
		}()
	} else {
		close(listingDone)
	}
	lifecycleDone := make(chan struct{})
	if cfg.Lifecycle.Worker {
		lw := lifecycleWorker(cfg, st, log)
		if reg := mon.registerer(); reg != nil {
			if err := registerLifecycleMetrics(reg, lw); err != nil {
				return err
			}
		}
		go func() {
			defer close(lifecycleDone)
			lw.Run(bg, cfg.Lifecycle.Interval.Duration)
		}()
	} else {
		close(lifecycleDone)
	}
	scrubDone, err := startScrubber(bg, cfg, st, mon.registerer(), log)
	if err != nil {
		return err
	}

	lns, err := listen(cfg.Server)
	if err != nil {
		return err
	}
	con, err := startConsole(cfg, h, st, log)
	if err != nil {
		for _, l := range lns {
			l.Close()
		}
		return err
	}
	defer con.close()
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: cfg.Server.ReadHeaderTimeout.Duration,
		IdleTimeout:       cfg.Server.IdleTimeout.Duration,
		MaxHeaderBytes:    int(cfg.Server.MaxHeaderBytes),
	}
	errc := make(chan error, len(lns))
	if cfg.Server.DebugListen != "" {
		dsrv, dln, err := debugServer(cfg.Server.DebugListen)
		if err != nil {
			for _, l := range lns {
				l.Close()
			}
			return err
		}
		defer dsrv.Close()
		log.Info().Str("debug_listen", dln.Addr().String()).Msg("pprof profiles served")
		go dsrv.Serve(dln)
	}
	if err := mon.serving(st); err != nil {
		for _, l := range lns {
			l.Close()
		}
		return err
	}
	for _, l := range lns {
		log.Info().Str("listen", l.url()).Str("region", cfg.Server.Region).
			Strs("cassandra", cfg.Cassandra.Hosts).Str("keyspace", cfg.Cassandra.Keyspace).
			Int64("block_size", int64(cfg.Storage.BlockSize)).Str("version", version).Msg("amphora serving")
		go func() { errc <- l.serve(srv) }()
	}
	select {
	case err := <-errc:
		for _, l := range lns {
			l.Close()
		}
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	log.Info().Msg("shutting down")
	mon.stop()
	sctx, cancel := context.WithTimeout(context.Background(), cfg.Server.ShutdownTimeout.Duration)
	defer cancel()
	con.shutdown(sctx) // its requests are S3 requests served in-process
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		log.Warn().Err(err).Msg("shutdown")
	}
	cancelBg()
	<-sweeperDone
	<-listingDone
	<-lifecycleDone
	<-scrubDone
	return nil
}

func schemaApply(ctx context.Context, cfg Config, stdout io.Writer) error {
	sc := storeConfig(cfg)
	sc.Logger = newLogger(cfg.Log, nil)
	if err := cassandra.ApplySchema(ctx, sc); err != nil {
		return fmt.Errorf("apply schema: %w", err)
	}
	fmt.Fprintf(stdout, "schema applied to keyspace %s\n", sc.Keyspace)
	return nil
}

func gcOnce(ctx context.Context, cfg Config, stdout io.Writer) error {
	sc := storeConfig(cfg)
	sc.Logger = newLogger(cfg.Log, nil)
	st, err := cassandra.Open(ctx, sc)
	if err != nil {
		return err
	}
	defer st.Close()
	stats, err := st.Sweep(ctx)
	if err != nil {
		return fmt.Errorf("sweep: %w", err)
	}
	fmt.Fprintf(stdout, "sweep done: %+v\n", stats)
	return nil
}
