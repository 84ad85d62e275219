import { formDataBodySerializer } from '../../client/client';
import { uploadRecipientsApiV1CampaignsCampaignIdImportsPost, type ImportPreview } from '../../client';

/** Uploads a CSV or XLSX file, or pasted lines, and answers the preview of its first rows. */
export async function uploadRecipients(campaignId: number, source: File | string): Promise<ImportPreview> {
  const path = { campaign_id: campaignId };
  if (typeof source === 'string') {
    return (await uploadRecipientsApiV1CampaignsCampaignIdImportsPost({ path, body: { text: source } })).data;
  }
  // The same operation takes a multipart file; the generated body type names only the pasted form.
  const { data } = await uploadRecipientsApiV1CampaignsCampaignIdImportsPost({
    path,
    ...formDataBodySerializer,
    body: { file: source } as unknown as { text: string },
    headers: { 'Content-Type': null },
  });
  return data;
}
