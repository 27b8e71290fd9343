package handler_test

import (
	"crypto/aes"
	"crypto/cipher"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/silenceper/wechat/v2/util"

	"github.com/siyu/siyu/handler"
	"github.com/siyu/siyu/loyalty"
	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/wx/wxsim"
)

type handlerDeps = handler.Deps

// resign builds a safe-mode callback around an arbitrary Encrypt value,
// correctly signed, so only the ciphertext is at fault.
func resign(oa wxsim.OA, now time.Time, encrypt string) (url.Values, []byte) {
	ts := strconv.FormatInt(now.Unix(), 10)
	nonce := "n0nce"
	q := url.Values{"timestamp": {ts}, "nonce": {nonce}, "signature": {util.Signature(oa.Token, ts, nonce)},
		"encrypt_type": {"aes"}, "msg_signature": {util.Signature(oa.Token, ts, nonce, encrypt)}}
	body := fmt.Sprintf("<xml><ToUserName><![CDATA[gh]]></ToUserName><Encrypt><![CDATA[%s]]></Encrypt></xml>", encrypt)
	return q, []byte(body)
}

// encrypt encrypts plain as the platform does.
func encrypt(t *testing.T, oa wxsim.OA, plain []byte) string {
	t.Helper()
	enc, err := util.EncryptMsg([]byte("0123456789abcdef"), plain, oa.AppID, oa.AESKey)
	if err != nil {
		t.Fatal(err)
	}
	return string(enc)
}

// badPadding returns a ciphertext whose PKCS#7 padding byte is invalid.
func badPadding(t *testing.T, oa wxsim.OA) string {
	t.Helper()
	key, err := base64.StdEncoding.DecodeString(oa.AESKey + "=")
	if err != nil {
		t.Fatal(err)
	}
	plain := make([]byte, 64)
	plain[63] = 0x7f // padding larger than the block size
	block, _ := aes.NewCipher(key)
	cipher.NewCBCEncrypter(block, key[:16]).CryptBlocks(plain, plain)
	return base64.StdEncoding.EncodeToString(plain)
}

func fmtInt(n int64) string { return strconv.FormatInt(n, 10) }

// loyaltyEntry is an HQ adjustment crediting points to a member.
func loyaltyEntry(memberID, points int64) loyalty.Entry {
	return loyalty.Entry{MemberID: memberID, Delta: points, Kind: model.PointsAdjust, IdemKey: "test:" + fmtInt(memberID) + ":" + fmtInt(points)}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }

// mustUnmarshal decodes JSON a test depends on, failing the test when it is
// not what the code under test should have produced.
func mustUnmarshal(t testing.TB, data []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("decode %s: %v", data, err)
	}
}
