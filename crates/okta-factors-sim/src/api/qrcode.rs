//! `GET …/factors/{factorId}/qr/{token}`: the image a `qrcode` link names, a
//! PNG of the QR code an authenticator scans during enrollment.

use http::StatusCode;
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use qrcode::{Color, QrCode};

use super::lifecycle::code_eq;
use super::{Ctx, Fail, Outcome, Reply};
use crate::sim::Simulator;
use crate::state::Kind;

/// The issuer in the `otpauth://` URI of a TOTP enrollment's QR code.
pub(crate) const TOTP_ISSUER: &str = "okta-factors-sim";

/// Pixels per QR module.
const SCALE: usize = 4;
/// The quiet zone around the code, in modules (the QR standard asks for 4).
const QUIET_ZONE: usize = 4;

/// What RFC 3986 leaves unescaped in a URI component: letters, digits and
/// `-._~`.
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

fn encode(component: &str) -> impl std::fmt::Display + '_ {
    utf8_percent_encode(component, COMPONENT)
}

/// The [Key URI] of a TOTP factor: `otpauth://totp/ISSUER:ACCOUNT?secret=…&
/// issuer=…&algorithm=SHA1&digits=6&period=30`, label and values
/// percent-encoded.
///
/// [Key URI]: https://github.com/google/google-authenticator/wiki/Key-Uri-Format
pub(crate) fn otpauth_uri(secret: &str, account: &str) -> String {
    format!(
        "otpauth://totp/{issuer}:{account}?secret={secret}&issuer={issuer}&algorithm=SHA1&digits=6&period=30",
        issuer = encode(TOTP_ISSUER),
        account = encode(account),
        secret = encode(secret),
    )
}

/// What the simulator's push QR code holds: `oktaverify://LOGIN/?t=TOKEN&
/// f=FACTOR_ID&s=ORIGIN` (the activation token, the factor, the org).
pub(crate) fn push_uri(login: &str, token: &str, factor_id: &str, origin: &str) -> String {
    format!(
        "oktaverify://{}/?t={}&f={}&s={}",
        encode(login),
        encode(token),
        encode(factor_id),
        encode(origin),
    )
}

/// `data` as a QR code in an 8-bit greyscale PNG: black modules on white,
/// [`SCALE`] pixels per module, a [`QUIET_ZONE`]-module white border.
pub(crate) fn qr_png(data: &str) -> Option<Vec<u8>> {
    let code = QrCode::new(data.as_bytes()).ok()?;
    let modules = code.width();
    let colors = code.to_colors();
    let side = (modules + 2 * QUIET_ZONE) * SCALE;
    let mut pixels = vec![0xFF_u8; side * side];
    for (index, color) in colors.iter().enumerate() {
        if *color != Color::Dark {
            continue;
        }
        let (x, y) = (index % modules + QUIET_ZONE, index / modules + QUIET_ZONE);
        for row in y * SCALE..(y + 1) * SCALE {
            let start = row * side + x * SCALE;
            pixels.get_mut(start..start + SCALE)?.fill(0);
        }
    }
    let side = u32::try_from(side).ok()?;
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, side, side);
    encoder.set_color(png::ColorType::Grayscale);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().ok()?;
    writer.write_image_data(&pixels).ok()?;
    writer.finish().ok()?;
    Some(out)
}

impl Simulator {
    /// `GET …/factors/{factorId}/qr/{token}`: while a TOTP or push factor
    /// waits for activation, the QR code of its current `qrcode` link;
    /// anything else (another token, an active factor, an expired push
    /// activation) is `404`.
    pub(crate) fn qr_code(
        &self,
        ctx: &Ctx<'_>,
        user_id: &str,
        factor_id: &str,
        token: &str,
    ) -> Outcome {
        let (u, f) = self.locate(user_id, factor_id)?;
        let user = self.users.get(u).ok_or_else(Fail::internal)?;
        let factor = user.factors.get(f).ok_or_else(Fail::internal)?;
        let gone = || Fail::not_found(token, "QrCode");
        if factor.is_active() {
            return Err(gone());
        }
        let payload = match &factor.kind {
            Kind::Totp {
                secret, qr_token, ..
            } if code_eq(qr_token, token) => otpauth_uri(secret, &user.login),
            Kind::Push { activation, .. }
                if code_eq(&activation.token, token) && ctx.now < activation.expires_at =>
            {
                push_uri(&user.login, &activation.token, &factor.id, &ctx.base)
            }
            _ => return Err(gone()),
        };
        let png = qr_png(&payload).ok_or_else(Fail::internal)?;
        Ok(Reply {
            status: StatusCode::OK,
            body: Some(png),
            content_type: "image/png",
            headers: Vec::new(),
        })
    }
}
