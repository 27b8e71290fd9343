package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"golang.org/x/term"

	"github.com/siyu/siyu/config"
	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/operators"
	"github.com/siyu/siyu/tasks"
)

const operatorUsage = `Usage: siyu operator <command> [flags]

Manages HQ operator accounts (the console's logins and API keys).

Commands:
  add <username> --role admin|operator|analyst|store_manager [--store CODE] [--name N] [--wecom USERID]
                        creates an operator; the password is read from standard input
  passwd <username>     sets a new password, read from standard input
  disable <username>    disables the account: its logins, sessions and keys stop working
  list                  lists operators
  key <username>        prints a new API key once (only a hash is kept)
  revoke-key <prefix>   revokes the API key with that prefix (sy_…)
`

// cliActor is the audit log's name for changes made with this command.
var cliActor = operators.Actor{Username: "cli", Role: model.OpAdmin, Address: "local", UserAgent: "siyu operator"}

// runOperator is `siyu operator`; stdin supplies passwords.
func runOperator(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) (err error) {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stderr, operatorUsage)
		if len(args) == 0 {
			return usageError{"operator: no command given"}
		}
		return nil
	}
	cmd, rest := args[0], args[1:]
	fs := newFlags("operator "+cmd, "operator "+cmd, "See 'siyu operator --help'.", stderr)
	role := fs.String("role", "", "admin, operator, analyst or store_manager (add)")
	store := fs.String("store", "", "the store code of a store_manager (add)")
	name := fs.String("name", "", "display name (add)")
	wecom := fs.String("wecom", "", "WeCom userid allowed to sign in by scanning the WeCom login QR code (add)")
	// Flags may follow the username: parse both orders.
	var pos []string
	for len(rest) > 0 {
		if err := parseFlags(fs, rest); err != nil {
			return err
		}
		rest = fs.Args()
		if len(rest) > 0 {
			pos, rest = append(pos, rest[0]), rest[1:]
		}
	}
	want := map[string]int{"add": 1, "passwd": 1, "disable": 1, "list": 0, "key": 1, "revoke-key": 1}
	n, ok := want[cmd]
	if !ok {
		fmt.Fprint(stderr, operatorUsage)
		return usageError{fmt.Sprintf("operator: unknown command %q", cmd)}
	}
	if len(pos) != n {
		return usageError{fmt.Sprintf("operator %s: want %d argument(s), got %d", cmd, n, len(pos))}
	}
	svc, closeFn, err := openOperators(ctx, getenv)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, closeFn()) }()
	if cmd == "add" {
		pw, err := readPassword(stdin, stderr)
		if err != nil {
			return err
		}
		op, err := svc.CreateOperator(ctx, operators.NewOperator{Username: pos[0], Name: *name, Role: *role, StoreCode: *store, Password: pw, WeComUserID: *wecom}, cliActor)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "operator %s (%s) created, id %d\n", op.Username, op.Role, op.ID)
		return nil
	}
	return operatorChange(ctx, svc, cmd, pos, stdin, stdout, stderr)
}

// operatorChange runs the commands that act on existing operators and keys.
func operatorChange(ctx context.Context, svc *operators.Service, cmd string, pos []string, stdin io.Reader, stdout, stderr io.Writer) error {
	switch cmd {
	case "passwd":
		pw, err := readPassword(stdin, stderr)
		if err != nil {
			return err
		}
		if err := svc.SetPassword(ctx, pos[0], pw, cliActor); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "password of %s changed; its sessions ended\n", pos[0])
	case "disable":
		if err := svc.DisableOperator(ctx, pos[0], cliActor); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "operator %s disabled\n", pos[0])
	case "list":
		return listOperators(ctx, svc, stdout)
	case "key":
		op, err := svc.FindOperator(ctx, pos[0])
		if err != nil {
			return err
		}
		key, _, err := svc.CreateKey(ctx, op.ID, cliActor)
		if err != nil {
			return err
		}
		fmt.Fprintf(stderr, "API key for %s (%s); shown once, keep it safe:\n", op.Username, op.Role)
		fmt.Fprintln(stdout, key)
	case "revoke-key":
		if err := svc.RevokeKey(ctx, pos[0], cliActor); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "API key %s revoked\n", pos[0])
	}
	return nil
}

func listOperators(ctx context.Context, svc *operators.Service, stdout io.Writer) error {
	ops, err := svc.ListOperators(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tUSERNAME\tNAME\tROLE\tSTORE\tSTATE\tLAST LOGIN")
	for _, op := range ops {
		state, last := "active", "-"
		if op.Disabled {
			state = "disabled"
		}
		if op.LastLoginAt != nil {
			last = op.LastLoginAt.UTC().Format("2006-01-02 15:04Z")
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", op.ID, op.Username, op.Name, op.Role, op.StoreCode, state, last)
	}
	return tw.Flush()
}

// openOperators opens the database (migrated) and Redis for the command.
func openOperators(ctx context.Context, getenv func(string) string) (*operators.Service, func() error, error) {
	cfg, err := config.Load(getenv)
	if err != nil {
		return nil, nil, err
	}
	db, err := model.Open(ctx, model.DBOptions{MySQLDSN: cfg.MySQLDSN, DataDir: cfg.DataDir})
	if err != nil {
		return nil, nil, err
	}
	closeDB := func() error {
		sqlDB, err := db.DB()
		if err != nil {
			return err
		}
		return sqlDB.Close()
	}
	if err := model.Migrate(ctx, db); err != nil {
		return nil, nil, errors.Join(err, closeDB())
	}
	rdb, err := tasks.OpenRedis(cfg.RedisURL)
	if err != nil {
		return nil, nil, errors.Join(err, closeDB())
	}
	svc := operators.New(db, operators.Options{Redis: rdb.Client, Prefix: cfg.RedisPrefix})
	return svc, func() error { return errors.Join(rdb.Close(), closeDB()) }, nil
}

// readPassword reads a password: twice without echo from a terminal, else
// the first line of stdin.
func readPassword(stdin io.Reader, stderr io.Writer) (string, error) {
	if f, ok := stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprint(stderr, "Password: ")
		a, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(stderr)
		if err != nil {
			return "", err
		}
		fmt.Fprint(stderr, "Again: ")
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(stderr)
		if err != nil {
			return "", err
		}
		if string(a) != string(b) {
			return "", errors.New("the passwords differ")
		}
		return string(a), nil
	}
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", err
	}
	pw := strings.TrimRight(line, "\r\n")
	if pw == "" {
		return "", usageError{"no password on standard input"}
	}
	return pw, nil
}
