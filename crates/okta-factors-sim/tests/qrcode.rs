//! The `qrcode` links the simulator advertises: PNG images of the QR codes an
//! authenticator scans, read back with an independent QR decoder (rqrr) and
//! checked against the Key Uri Format; `HEAD` answered like `GET`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::io::Cursor;

use common::{body, code_of, header, H, ORG, TOKEN};
use http::{Method, Response, StatusCode};
use okta_factors_core::model::{FactorEnrollment, TotpProvider};
use okta_factors_core::operations::{ActivateFactor, ActivateFactorRequest, EnrollFactor};
use okta_factors_core::totp::Totp;
use okta_factors_core::Secret;
use serde_json::Value;

/// A decoded PNG: side length and one grey byte per pixel.
struct Image {
    side: usize,
    grey: Vec<u8>,
}

/// Decodes a PNG with the `png` crate: square, 8-bit greyscale.
fn decode_png(bytes: &[u8]) -> Image {
    assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");
    let mut reader = png::Decoder::new(Cursor::new(bytes)).read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    assert_eq!(info.width, info.height, "a QR code image is square");
    assert_eq!(info.color_type, png::ColorType::Grayscale);
    assert_eq!(info.bit_depth, png::BitDepth::Eight);
    buf.truncate(info.buffer_size());
    Image {
        side: info.width as usize,
        grey: buf,
    }
}

/// Reads the QR code with rqrr; checks the image has QR proportions (a
/// whole number of pixels per module, a white quiet zone of 4 modules).
fn read_qr(image: &Image) -> String {
    let side = image.side;
    let mut prepared =
        rqrr::PreparedImage::prepare_from_greyscale(side, side, |x, y| image.grey[y * side + x]);
    let grids = prepared.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code in the image");
    let (meta, content) = grids[0].decode().unwrap();
    let modules = 17 + 4 * meta.version.0;
    assert_eq!(side % (modules + 8), 0, "{side} px for {modules} modules");
    let scale = side / (modules + 8);
    let quiet = 4 * scale;
    for y in 0..side {
        for x in 0..side {
            if x < quiet || y < quiet || x >= side - quiet || y >= side - quiet {
                assert_eq!(image.grey[y * side + x], 0xFF, "quiet zone at {x},{y}");
            }
        }
    }
    content
}

/// The path of an absolute link on the test org.
fn path_of(href: &Value) -> String {
    let href = href.as_str().expect("href");
    href.strip_prefix(ORG)
        .expect("a link on the org")
        .to_owned()
}

fn get(h: &mut H, path: &str) -> Response<Vec<u8>> {
    h.raw(Method::GET, path, None)
}

/// Percent-encoding of a URI component (RFC 3986 unreserved kept), written
/// out for the oracle.
fn component(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// The query parameters of a URI, not decoded.
fn query(uri: &str) -> Vec<(String, String)> {
    let (_, query) = uri.split_once('?').expect("a query");
    query
        .split('&')
        .map(|pair| {
            let (k, v) = pair.split_once('=').expect("name=value");
            (k.to_owned(), v.to_owned())
        })
        .collect()
}

#[test]
fn totp_qrcode_links_serve_the_otpauth_uri_as_a_png() {
    for provider in [TotpProvider::Google, TotpProvider::Okta] {
        let mut h = H::new();
        let user = h.user.clone();
        let (status, json) = h.json(&EnrollFactor::new(&user, FactorEnrollment::totp(provider)));
        assert_eq!(status, 200);
        let factor_id = json["id"].as_str().unwrap().to_owned();
        let activation = &json["_embedded"]["activation"];
        let secret = activation["sharedSecret"].as_str().unwrap().to_owned();
        // Google: the link inside the activation; Okta Verify: beside it.
        let href = if provider == TotpProvider::Google {
            &activation["_links"]["qrcode"]["href"]
        } else {
            &json["_embedded"]["_links"]["qrcode"]["href"]
        };
        let qr_path = path_of(href);

        let r = get(&mut h, &qr_path);
        assert_eq!(r.status(), 200, "{}", String::from_utf8_lossy(r.body()));
        assert_eq!(header(&r, "content-type"), "image/png");
        assert!(!header(&r, "x-okta-request-id").is_empty());
        let content = read_qr(&decode_png(r.body()));

        // The Key Uri Format: otpauth://totp/ISSUER:ACCOUNT?secret=…&issuer=…
        // with the optional algorithm, digits and period, label and values
        // percent-encoded; the secret unpadded base32.
        let expected = format!(
            "otpauth://totp/okta-factors-sim:{account}?secret={secret}&issuer=okta-factors-sim\
             &algorithm=SHA1&digits=6&period=30",
            account = component("alice@example.com"),
        );
        assert_eq!(content, expected);
        assert!(content.starts_with("otpauth://totp/okta-factors-sim:alice%40example.com?"));
        let params = query(&content);
        let names: Vec<&str> = params.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(names, ["secret", "issuer", "algorithm", "digits", "period"]);
        assert!(!params[0].1.contains('='), "base32 without padding");

        // What an authenticator app reads from the code computes the codes
        // the simulator accepts.
        let scanned = Totp::from_base32(&Secret::new(params[0].1.as_str()), 30, 6).unwrap();
        let code = scanned.code_at(h.clock.unix_seconds());
        assert_eq!(
            Some(code.expose().to_owned()),
            h.sim.totp_code(&user, &factor_id)
        );

        // HEAD answers like GET.
        let head = h.raw(Method::HEAD, &qr_path, None);
        assert_eq!(head.status(), 200);
        assert_eq!(header(&head, "content-type"), "image/png");

        // Another token, another factor: 404.
        let wrong = format!("{}Z", qr_path);
        let r = get(&mut h, &wrong);
        assert_eq!(
            (r.status().as_u16(), code_of(&r).as_str()),
            (404, "E0000007")
        );
        // Without the API token: 401.
        let r = h.raw_auth(Method::GET, &qr_path, None, "SSWS nope");
        assert_eq!(r.status(), 401);

        // Activated: the one-time link is gone.
        let activate = ActivateFactor::new(&user, &factor_id)
            .body(ActivateFactorRequest::pass_code(code.expose()));
        assert!(h.call(&activate).is_ok());
        let r = get(&mut h, &qr_path);
        assert_eq!(
            (r.status().as_u16(), code_of(&r).as_str()),
            (404, "E0000007")
        );
    }
}

#[test]
fn push_qrcode_link_serves_the_activation_as_a_png_until_it_ends() {
    let mut h = H::new();
    let user = h.user.clone();
    let (status, json) = h.json(&EnrollFactor::new(&user, FactorEnrollment::push()));
    assert_eq!(status, 200);
    let factor_id = json["id"].as_str().unwrap().to_owned();
    let qr_path = path_of(&json["_embedded"]["activation"]["_links"]["qrcode"]["href"]);
    let token = qr_path.rsplit('/').next().unwrap().to_owned();
    assert!(qr_path.ends_with(&format!("/factors/{factor_id}/qr/{token}")));

    let r = get(&mut h, &qr_path);
    assert_eq!(r.status(), 200);
    assert_eq!(header(&r, "content-type"), "image/png");
    let content = read_qr(&decode_png(r.body()));
    assert_eq!(
        content,
        format!(
            "oktaverify://alice%40example.com/?t={token}&f={factor_id}&s={}",
            component(ORG)
        )
    );

    // The activation expires (10 minutes): the link is gone; activating
    // again issues a new one, which works until the device activates.
    h.advance(600);
    assert_eq!(get(&mut h, &qr_path).status(), 404);
    let (_, again) = h.json(&ActivateFactor::new(&user, &factor_id));
    let new_path = path_of(&again["_links"]["qrcode"]["href"]);
    assert_ne!(new_path, qr_path);
    assert_eq!(get(&mut h, &new_path).status(), 200);
    h.sim.activate_push_device(&factor_id).unwrap();
    assert_eq!(get(&mut h, &new_path).status(), 404);
}

#[test]
fn head_answers_like_get_on_get_endpoints() {
    let mut h = H::new();
    let user = h.user.clone();
    for path in [
        format!("/api/v1/users/{user}/factors"),
        format!("/api/v1/users/{user}/factors/catalog"),
        format!("/api/v1/users/{user}/factors/questions"),
        format!("/api/v1/users/{user}/factors/mblNOPE"),
    ] {
        let get = h.raw(Method::GET, &path, None);
        let head = h.raw(Method::HEAD, &path, None);
        assert_ne!(head.status(), StatusCode::METHOD_NOT_ALLOWED, "{path}");
        assert_eq!(head.status(), get.status(), "{path}");
        for name in ["content-type", "x-rate-limit-limit", "date"] {
            assert_eq!(header(&head, name), header(&get, name), "{path} {name}");
        }
        // Sans-IO, the representation is the GET one (an error's errorId
        // aside); a server sends only its length (tests/server.rs checks it).
        assert_eq!(head.body().len(), get.body().len(), "{path}");
        if get.status().is_success() {
            assert_eq!(head.body(), get.body(), "{path}");
        }
    }
    // HEAD where there is no GET: 405, and the Allow header lists HEAD
    // wherever it lists GET.
    let verify = format!("/api/v1/users/{user}/factors/x/verify");
    let r = h.raw(Method::HEAD, &verify, None);
    assert_eq!(r.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(header(&r, "allow"), "POST");
    let r = h.raw(Method::PUT, &format!("/api/v1/users/{user}/factors"), None);
    assert_eq!(header(&r, "allow"), "GET, HEAD, POST");
    let r = h.raw_auth(
        Method::HEAD,
        &format!("/api/v1/users/{user}/factors"),
        None,
        &format!("Bearer {TOKEN}"),
    );
    assert_eq!(r.status(), 200);
    assert!(body(&r).is_array());
}
