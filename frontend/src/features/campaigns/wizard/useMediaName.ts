import { useQuery } from '@tanstack/react-query';
import { getMediaApiV1MediaMediaIdGetOptions } from '../../../client/@tanstack/react-query.gen';

/** The attachment's file name, once read; null without an attachment. */
export function useMediaName(mediaId: number | null): string | null {
  const media = useQuery({ ...getMediaApiV1MediaMediaIdGetOptions({ path: { media_id: mediaId ?? 0 } }), enabled: mediaId !== null });
  return mediaId === null ? null : (media.data?.filename ?? null);
}
