package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/amphora-s3/amphora/cassandra"
	"github.com/amphora-s3/amphora/store"
)

const adminUsage = `usage: amphora admin [-config FILE] [-json] COMMAND

Accounts:
  account create -name NAME [-email ADDRESS] [-id ID] [-admin]
  account list
  account show ID
  account admin ID on|off           mark or unmark an administrator
  account delete ID                 refused while the account has buckets or keys

Access keys:
  key create ACCOUNT [-bucket NAME:PERM]...   prints the secret, once
  key list ACCOUNT
  key show KEY
  key disable KEY | key enable KEY | key delete KEY
  key restrict KEY -bucket NAME:PERM [-bucket NAME:PERM]...
  key unrestrict KEY

PERM is read, write or readwrite. A key restricted to buckets may do only
that in them, and nothing elsewhere (it cannot create buckets either).
Changes reach every frontend within accounts.key_cache_ttl.
`

// admin runs `amphora admin`: account and key management straight on
// Cassandra with the server's configuration (like radosgw-admin).
func admin(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("admin", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	path := fs.String("config", "amphora.toml", "configuration file (TOML)")
	asJSON := fs.Bool("json", false, "print JSON, for scripts")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%w\n%s", err, adminUsage)
	}
	rest := fs.Args()
	if len(rest) < 2 {
		return fmt.Errorf("admin: a command is needed\n%s", adminUsage)
	}
	cmd, ok := adminCommands[rest[0]+" "+rest[1]]
	if !ok {
		return fmt.Errorf("admin: unknown command %q\n%s", rest[0]+" "+rest[1], adminUsage)
	}
	cfg, err := loadConfig(*path)
	if err != nil {
		return err
	}
	sc := storeConfig(cfg)
	sc.Logger = newLogger(LogConfig{Level: "warn", Format: cfg.Log.Format}, nil)
	st, err := openStore(ctx, cfg, sc)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := bootstrapAccounts(ctx, st, cfg.Credentials); err != nil {
		return err
	}
	out := adminOut{w: stdout, json: *asJSON}
	return cmd(ctx, st, rest[2:], out)
}

type adminFunc func(ctx context.Context, st *cassandra.Store, args []string, out adminOut) error

var adminCommands map[string]adminFunc

func init() {
	adminCommands = map[string]adminFunc{
		"account create": accountCreate,
		"account list":   accountList,
		"account show":   accountShow,
		"account admin":  accountAdmin,
		"account delete": accountDelete,
		"key create":     keyCreate,
		"key list":       keyList,
		"key show":       keyShow,
		"key disable":    keySetDisabled(true),
		"key enable":     keySetDisabled(false),
		"key delete":     keyDelete,
		"key restrict":   keyRestrict,
		"key unrestrict": keyUnrestrict,
	}
}

// args parses a command's flags and returns exactly n positional
// arguments, with a clear error otherwise.
func cmdArgs(fs *flag.FlagSet, args []string, n int, names string) ([]string, error) {
	fs.SetOutput(io.Discard)
	// Positional arguments may come before the flags: move them after.
	var pos, flags []string
	for i := 0; i < len(args); i++ {
		if strings.HasPrefix(args[i], "-") {
			flags = append(flags, args[i])
			if !strings.Contains(args[i], "=") && i+1 < len(args) && fs.Lookup(strings.TrimLeft(args[i], "-")) != nil && !isBoolFlag(fs, args[i]) {
				i++
				flags = append(flags, args[i])
			}
			continue
		}
		pos = append(pos, args[i])
	}
	if err := fs.Parse(flags); err != nil {
		return nil, fmt.Errorf("admin %s: %w", fs.Name(), err)
	}
	if len(pos) != n {
		return nil, fmt.Errorf("admin %s: want %s, got %d argument(s)\n%s", fs.Name(), names, len(pos), adminUsage)
	}
	return pos, nil
}

func isBoolFlag(fs *flag.FlagSet, arg string) bool {
	f := fs.Lookup(strings.TrimLeft(arg, "-"))
	b, ok := f.Value.(interface{ IsBoolFlag() bool })
	return ok && b.IsBoolFlag()
}

// bucketFlags collects repeated -bucket NAME:PERM flags.
type bucketFlags map[string]store.Permission

func (b bucketFlags) String() string { return store.AccessKey{Buckets: b}.ScopeString() }

func (b bucketFlags) Set(v string) error {
	name, perm, ok := strings.Cut(v, ":")
	if !ok || name == "" {
		return fmt.Errorf("-bucket %q: want NAME:PERM, PERM read, write or readwrite", v)
	}
	p, err := store.ParsePermission(perm)
	if err != nil {
		return fmt.Errorf("-bucket %q: %w", v, err)
	}
	b[name] = p
	return nil
}

func accountCreate(ctx context.Context, st *cassandra.Store, args []string, out adminOut) error {
	fs := flag.NewFlagSet("account create", flag.ContinueOnError)
	name := fs.String("name", "", "display name (required)")
	email := fs.String("email", "", "e-mail address (optional, unique)")
	id := fs.String("id", "", "canonical id (default: 64 random hex digits)")
	isAdmin := fs.Bool("admin", false, "an administrator")
	if _, err := cmdArgs(fs, args, 0, "no argument"); err != nil {
		return err
	}
	if *name == "" {
		return errors.New("admin account create: -name is required")
	}
	if *email != "" && !strings.Contains(*email, "@") {
		return fmt.Errorf("admin account create: -email %q is not an e-mail address", *email)
	}
	a, err := st.CreateAccount(ctx, store.Account{ID: *id, DisplayName: *name, Email: *email, Admin: *isAdmin})
	if errors.Is(err, store.ErrAccountExists) {
		return fmt.Errorf("admin account create: an account with this id or e-mail exists (%v)", err)
	}
	if err != nil {
		return err
	}
	return out.accounts(a)
}

func accountList(ctx context.Context, st *cassandra.Store, args []string, out adminOut) error {
	if _, err := cmdArgs(flag.NewFlagSet("account list", flag.ContinueOnError), args, 0, "no argument"); err != nil {
		return err
	}
	as, err := st.ListAccounts(ctx)
	if err != nil {
		return err
	}
	return out.accounts(as...)
}

func accountShow(ctx context.Context, st *cassandra.Store, args []string, out adminOut) error {
	pos, err := cmdArgs(flag.NewFlagSet("account show", flag.ContinueOnError), args, 1, "ACCOUNT")
	if err != nil {
		return err
	}
	a, err := st.Account(ctx, pos[0])
	if err != nil {
		return noSuch(err)
	}
	return out.accounts(a)
}

func accountAdmin(ctx context.Context, st *cassandra.Store, args []string, out adminOut) error {
	pos, err := cmdArgs(flag.NewFlagSet("account admin", flag.ContinueOnError), args, 2, "ACCOUNT on|off")
	if err != nil {
		return err
	}
	var on bool
	switch pos[1] {
	case "on", "true", "yes":
		on = true
	case "off", "false", "no":
	default:
		return fmt.Errorf("admin account admin: %q: want on or off", pos[1])
	}
	if err := st.SetAdmin(ctx, pos[0], on); err != nil {
		return noSuch(err)
	}
	a, err := st.Account(ctx, pos[0])
	if err != nil {
		return err
	}
	return out.accounts(a)
}

func accountDelete(ctx context.Context, st *cassandra.Store, args []string, out adminOut) error {
	pos, err := cmdArgs(flag.NewFlagSet("account delete", flag.ContinueOnError), args, 1, "ACCOUNT")
	if err != nil {
		return err
	}
	if err := st.DeleteAccount(ctx, pos[0]); err != nil {
		if errors.Is(err, store.ErrAccountInUse) {
			return fmt.Errorf("admin account delete: %v (delete its buckets and keys first)", err)
		}
		return noSuch(err)
	}
	return out.done("account deleted", pos[0])
}

func keyCreate(ctx context.Context, st *cassandra.Store, args []string, out adminOut) error {
	fs := flag.NewFlagSet("key create", flag.ContinueOnError)
	buckets := bucketFlags{}
	fs.Var(buckets, "bucket", "restrict the key to a bucket: NAME:PERM (repeatable)")
	pos, err := cmdArgs(fs, args, 1, "ACCOUNT")
	if err != nil {
		return err
	}
	k, err := st.CreateKey(ctx, store.AccessKey{Account: pos[0], Buckets: buckets})
	if err != nil {
		return noSuch(err)
	}
	return out.keys(true, k)
}

func keyList(ctx context.Context, st *cassandra.Store, args []string, out adminOut) error {
	pos, err := cmdArgs(flag.NewFlagSet("key list", flag.ContinueOnError), args, 1, "ACCOUNT")
	if err != nil {
		return err
	}
	if _, err := st.Account(ctx, pos[0]); err != nil {
		return noSuch(err)
	}
	ks, err := st.ListKeys(ctx, pos[0])
	if err != nil {
		return err
	}
	return out.keys(false, ks...)
}

func keyShow(ctx context.Context, st *cassandra.Store, args []string, out adminOut) error {
	pos, err := cmdArgs(flag.NewFlagSet("key show", flag.ContinueOnError), args, 1, "KEY")
	if err != nil {
		return err
	}
	k, err := st.AccessKey(ctx, pos[0])
	if err != nil {
		return noSuch(err)
	}
	return out.keys(false, k)
}

func keySetDisabled(disabled bool) adminFunc {
	verb := map[bool]string{true: "disable", false: "enable"}[disabled]
	return func(ctx context.Context, st *cassandra.Store, args []string, out adminOut) error {
		pos, err := cmdArgs(flag.NewFlagSet("key "+verb, flag.ContinueOnError), args, 1, "KEY")
		if err != nil {
			return err
		}
		if err := st.SetKeyDisabled(ctx, pos[0], disabled); err != nil {
			return noSuch(err)
		}
		return out.done("key "+verb+"d", pos[0])
	}
}

func keyDelete(ctx context.Context, st *cassandra.Store, args []string, out adminOut) error {
	pos, err := cmdArgs(flag.NewFlagSet("key delete", flag.ContinueOnError), args, 1, "KEY")
	if err != nil {
		return err
	}
	if err := st.DeleteKey(ctx, pos[0]); err != nil {
		return noSuch(err)
	}
	return out.done("key deleted", pos[0])
}

func keyRestrict(ctx context.Context, st *cassandra.Store, args []string, out adminOut) error {
	fs := flag.NewFlagSet("key restrict", flag.ContinueOnError)
	buckets := bucketFlags{}
	fs.Var(buckets, "bucket", "NAME:PERM (repeatable)")
	pos, err := cmdArgs(fs, args, 1, "KEY")
	if err != nil {
		return err
	}
	if len(buckets) == 0 {
		return errors.New("admin key restrict: at least one -bucket NAME:PERM (key unrestrict lifts a restriction)")
	}
	return setScope(ctx, st, pos[0], buckets, out)
}

func keyUnrestrict(ctx context.Context, st *cassandra.Store, args []string, out adminOut) error {
	pos, err := cmdArgs(flag.NewFlagSet("key unrestrict", flag.ContinueOnError), args, 1, "KEY")
	if err != nil {
		return err
	}
	return setScope(ctx, st, pos[0], nil, out)
}

func setScope(ctx context.Context, st *cassandra.Store, id string, buckets map[string]store.Permission, out adminOut) error {
	if err := st.SetKeyScope(ctx, id, buckets); err != nil {
		return noSuch(err)
	}
	k, err := st.AccessKey(ctx, id)
	if err != nil {
		return err
	}
	k.Buckets = buckets // not the cached face
	return out.keys(false, k)
}

// noSuch turns the store's "no such" errors into plain sentences.
func noSuch(err error) error {
	switch {
	case errors.Is(err, store.ErrNoSuchAccount):
		return fmt.Errorf("no such account (%v)", err)
	case errors.Is(err, store.ErrNoSuchAccessKey):
		return fmt.Errorf("no such access key (%v)", err)
	}
	return err
}

// adminOut prints results as text for people or JSON for scripts.
type adminOut struct {
	w    io.Writer
	json bool
}

type accountJSON struct {
	ID          string    `json:"id"`
	DisplayName string    `json:"display_name"`
	Email       string    `json:"email,omitempty"`
	Admin       bool      `json:"admin"`
	Created     time.Time `json:"created"`
}

type keyJSON struct {
	AccessKey string            `json:"access_key"`
	SecretKey string            `json:"secret_key,omitempty"`
	Account   string            `json:"account"`
	Disabled  bool              `json:"disabled"`
	Created   time.Time         `json:"created"`
	Buckets   map[string]string `json:"buckets,omitempty"`
}

func (o adminOut) accounts(as ...store.Account) error {
	if o.json {
		js := make([]accountJSON, len(as))
		for i, a := range as {
			js[i] = accountJSON{a.ID, a.DisplayName, a.Email, a.Admin, a.Created}
		}
		return o.encode(js)
	}
	tw := tabwriter.NewWriter(o.w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tE-MAIL\tADMIN\tCREATED")
	for _, a := range as {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%v\t%s\n", a.ID, a.DisplayName, a.Email, a.Admin, a.Created.UTC().Format(time.RFC3339))
	}
	return tw.Flush()
}

func (o adminOut) keys(withSecret bool, ks ...store.AccessKey) error {
	if o.json {
		js := make([]keyJSON, len(ks))
		for i, k := range ks {
			j := keyJSON{AccessKey: k.ID, Account: k.Account, Disabled: k.Disabled, Created: k.Created}
			if withSecret {
				j.SecretKey = k.Secret
			}
			for b, p := range k.Buckets {
				if j.Buckets == nil {
					j.Buckets = map[string]string{}
				}
				j.Buckets[b] = string(p)
			}
			js[i] = j
		}
		return o.encode(js)
	}
	tw := tabwriter.NewWriter(o.w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ACCESS KEY\tACCOUNT\tSTATUS\tBUCKETS\tCREATED")
	for _, k := range ks {
		status, scope := "active", k.ScopeString()
		if k.Disabled {
			status = "disabled"
		}
		if scope == "" {
			scope = "(all of the account's)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", k.ID, k.Account, status, scope, k.Created.UTC().Format(time.RFC3339))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if withSecret {
		for _, k := range ks {
			fmt.Fprintf(o.w, "\nsecret key of %s (shown this once): %s\n", k.ID, k.Secret)
		}
	}
	return nil
}

func (o adminOut) done(what, id string) error {
	if o.json {
		return o.encode(map[string]string{"done": what, "id": id})
	}
	_, err := fmt.Fprintf(o.w, "%s: %s\n", what, id)
	return err
}

func (o adminOut) encode(v any) error {
	enc := json.NewEncoder(o.w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
