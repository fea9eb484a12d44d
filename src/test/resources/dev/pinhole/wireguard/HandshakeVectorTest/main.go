// Independent Noise_IKpsk2 (WireGuard) computation from the paper, with golang.org/x/crypto, to produce a
// handshake test vector for the Java implementation.
package main

import (
	"crypto/hmac"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash"

	"golang.org/x/crypto/blake2s"
	"golang.org/x/crypto/chacha20poly1305"
	"golang.org/x/crypto/curve25519"
)

func h(parts ...[]byte) []byte {
	d, _ := blake2s.New256(nil)
	for _, p := range parts {
		d.Write(p)
	}
	return d.Sum(nil)
}
func mac(key, data []byte) []byte { d, _ := blake2s.New128(key); d.Write(data); return d.Sum(nil) }
func hm(key []byte, parts ...[]byte) []byte {
	m := hmac.New(func() hash.Hash { d, _ := blake2s.New256(nil); return d }, key)
	for _, p := range parts {
		m.Write(p)
	}
	return m.Sum(nil)
}
func kdf(n int, key, input []byte) [][]byte {
	prk := hm(key, input)
	out := [][]byte{}
	prev := []byte{}
	for i := 1; i <= n; i++ {
		prev = hm(prk, prev, []byte{byte(i)})
		out = append(out, prev)
	}
	return out
}
func dh(priv, pub []byte) []byte {
	r, err := curve25519.X25519(priv, pub)
	if err != nil {
		panic(err)
	}
	return r
}
func pub(priv []byte) []byte { return dh(priv, curve25519.Basepoint) }
func aead(key []byte, ctr uint64, pt, ad []byte) []byte {
	a, _ := chacha20poly1305.New(key)
	nonce := make([]byte, 12)
	binary.LittleEndian.PutUint64(nonce[4:], ctr)
	return a.Seal(nil, nonce, pt, ad)
}
func seq(from, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(from + i)
	}
	return b
}
func le32(v uint32) []byte { b := make([]byte, 4); binary.LittleEndian.PutUint32(b, v); return b }
func cat(parts ...[]byte) []byte {
	out := []byte{}
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

func main() {
	iPriv, rPriv, iEph, rEph, psk := seq(0x01, 32), seq(0x21, 32), seq(0x41, 32), seq(0x61, 32), seq(0x81, 32)
	iIndex, rIndex := uint32(0x11223344), uint32(0x55667788)
	ts := make([]byte, 12)
	binary.BigEndian.PutUint64(ts, 0x400000000000000a+1700000000)
	iPub, rPub := pub(iPriv), pub(rPriv)

	ck := h([]byte("Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s"))
	hh := h(ck, []byte("WireGuard v1 zx2c4 Jason@zx2c4.com"))
	hh = h(hh, rPub)
	ePub := pub(iEph)
	ck = kdf(1, ck, ePub)[0]
	hh = h(hh, ePub)
	k := kdf(2, ck, dh(iEph, rPub))
	ck = k[0]
	encStatic := aead(k[1], 0, iPub, hh)
	hh = h(hh, encStatic)
	k = kdf(2, ck, dh(iPriv, rPub))
	ck = k[0]
	encTs := aead(k[1], 0, ts, hh)
	hh = h(hh, encTs)
	m1 := cat([]byte{1, 0, 0, 0}, le32(iIndex), ePub, encStatic, encTs)
	m1 = cat(m1, mac(h([]byte("mac1----"), rPub), m1), make([]byte, 16))

	eRPub := pub(rEph)
	ck = kdf(1, ck, eRPub)[0]
	hh = h(hh, eRPub)
	ck = kdf(1, ck, dh(rEph, ePub))[0]
	ck = kdf(1, ck, dh(rEph, iPub))[0]
	k3 := kdf(3, ck, psk)
	ck = k3[0]
	hh = h(hh, k3[1])
	empty := aead(k3[2], 0, nil, hh)
	m2 := cat([]byte{2, 0, 0, 0}, le32(rIndex), le32(iIndex), eRPub, empty)
	m2 = cat(m2, mac(h([]byte("mac1----"), iPub), m2), make([]byte, 16))
	keys := kdf(2, ck, nil)

	fmt.Println("INITIATION", hex.EncodeToString(m1))
	fmt.Println("RESPONSE", hex.EncodeToString(m2))
	fmt.Println("INITIATOR_SEND", hex.EncodeToString(keys[0]))
	fmt.Println("INITIATOR_RECEIVE", hex.EncodeToString(keys[1]))
	fmt.Println("TIMESTAMP", hex.EncodeToString(ts))
}
